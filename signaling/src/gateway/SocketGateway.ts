import type { Server as HttpServer } from 'node:http';

import { Server } from 'socket.io';
import type { ServerOptions } from 'socket.io';

import { AppError, toErrorBody } from '../errors.ts';
import type { GatewayServer, GatewayServices } from './context.ts';
import { watchCloseCode } from './closeCode.ts';
import { watchTokenExpiry } from './planViewers.ts';
import { keepsRecoveredState } from './recovery.ts';
import { endSessionsOfRevokedLinks, relaySchedulingChanges } from './schedulingWatchers.ts';
import { registerAuthHandlers } from './handlers/auth.ts';
import { registerCarePlanHandlers } from './handlers/careplan.ts';
import { registerConsentHandlers } from './handlers/consent.ts';
import { registerConsumerHandlers } from './handlers/consumers.ts';
import { registerLobbyHandlers } from './handlers/lobby.ts';
import { registerMediaHandlers } from './handlers/media.ts';
import { registerMeetingHandlers } from './handlers/meeting.ts';
import { registerProbeHandlers } from './handlers/probe.ts';
import { registerRecordHandlers } from './handlers/record.ts';
import { registerResumeHandlers } from './handlers/resume.ts';
import { registerRingHandlers } from './handlers/ring.ts';
import { registerSchedulingHandlers } from './handlers/scheduling.ts';

/** Largest Socket.io message accepted; RTP capabilities of a browser are about 20 KB. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * `recoveryMs`: how long Socket.io keeps a dropped connection's rooms, data and missed events for
 * its client to come back to (the grace period a peer is held for); 0 turns recovery off.
 */
export function createSocketServer(
  httpServer: HttpServer,
  options: { recoveryMs: number; adapter?: ServerOptions['adapter'] } = { recoveryMs: 0 },
): GatewayServer {
  return new Server(httpServer, {
    // In a cluster: rooms, broadcasts and recoverable sessions shared through Redis.
    ...(options.adapter && { adapter: options.adapter }),
    serveClient: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    // Detects a vanished client within about 15 seconds; closing a tab is seen at once.
    pingInterval: 10_000,
    pingTimeout: 5_000,
    cors: { origin: false },
    ...(options.recoveryMs > 0 && {
      // The token is checked again on a recovered connection too (see keepsRecoveredState).
      connectionStateRecovery: {
        maxDisconnectionDuration: options.recoveryMs,
        skipMiddlewares: false,
      },
    }),
  });
}

/**
 * Authenticates every connection and every event with the access token, then hands events to the
 * handler groups.
 */
export function attachGateway(services: Omit<GatewayServices, 'io'> & { io: GatewayServer }) {
  const { io, tokens, log } = services;
  const { sessions } = services.scheduling;

  relaySchedulingChanges(io, services.scheduling.changes);
  endSessionsOfRevokedLinks(io, services.scheduling, log);

  io.use(async (socket, next) => {
    try {
      const token = tokens.verify(socket.handshake.auth?.token);

      await sessions.assertLive(token);
      if (!keepsRecoveredState(socket, token)) {
        socket.data.token = token;
        socket.data.peer = null;
        socket.data.isJoining = false;
      } else {
        // A session recovered through Redis names its participant; find or take it over first.
        await services.resumption.recoverShared(socket);
      }
      next();
    } catch (error) {
      const body = toErrorBody(error, log);

      next(Object.assign(new Error(body.message), { data: body }));
    }
  });

  io.on('connection', (socket) => {
    watchTokenExpiry(socket);
    watchCloseCode(socket);

    // A token is checked again on every event: a connection outliving its token can do nothing
    // but hand over a fresh one, which auth:renew checks in full.
    // A session from a personal link is also checked against its link on every event: a
    // reissued link or a cancelled meeting ends it. Checks that must ask the database run one
    // after another, so that events keep their order.
    let checking = Promise.resolve();

    socket.use((packet, next) => {
      const ack = packet.at(-1);
      const refuse = (error: unknown) => {
        if (typeof ack === 'function') ack({ ok: false, error: toErrorBody(error, log) });
      };

      if (packet[0] !== 'auth:renew' && socket.data.token.exp * 1000 <= Date.now()) {
        refuse(new AppError('unauthorized', 'the access token has expired'));

        return;
      }
      if (sessions.isKnownLive(socket.data.token)) {
        next();

        return;
      }

      checking = checking.then(() =>
        sessions.assertLive(socket.data.token).then(
          () => next(),
          (error: unknown) => {
            refuse(error);
            if (error instanceof AppError) socket.disconnect(true);
          },
        ),
      );
    });

    registerAuthHandlers(socket, services);
    registerMeetingHandlers(socket, services);
    registerResumeHandlers(socket, services);
    registerLobbyHandlers(socket, services);
    registerRecordHandlers(socket, services);
    registerRingHandlers(socket, services);
    registerSchedulingHandlers(socket, services);
    registerMediaHandlers(socket, services);
    registerProbeHandlers(socket, services);
    registerConsumerHandlers(socket, services);
    registerCarePlanHandlers(socket, services);
    registerConsentHandlers(socket, services);
  });
}
