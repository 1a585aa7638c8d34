import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/**
 * The connection check before a meeting (protocol/probe.ts): for any valid token, in a meeting or
 * not, one check at a time per connection, closed with the connection at the latest.
 */
export function registerProbeHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { probes, log } = services;

  handle(socket, 'media:probe', log, () => probes.open(socket.id, socket.data.token.sub));

  handle(socket, 'media:probeConnect', log, async ({ dtlsParameters }) => {
    await probes.connect(socket.id, dtlsParameters);

    return {};
  });

  handle(socket, 'media:probeProduce', log, ({ kind, rtpParameters }) =>
    probes.produce(socket.id, kind, rtpParameters),
  );

  handle(socket, 'media:probeResult', log, ({ waitMs }) => probes.result(socket.id, waitMs));

  handle(socket, 'media:probeClose', log, async () => {
    await probes.close(socket.id, 'client');

    return {};
  });

  socket.on('disconnect', () => void probes.close(socket.id, 'disconnected'));
}
