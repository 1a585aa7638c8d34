import { randomUUID } from 'node:crypto';

import type { MediaKind, MediaNode } from '@teamrom/sfu-server';
import { MediaError } from '@teamrom/sfu-server';

import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type {
  DtlsParameters,
  ProbeOptions,
  ProbeResult,
  RtpCapabilities,
  RtpParameters,
  TransportOptions,
} from '../protocol/index.ts';
import { PROBE_LIFETIME_SECONDS, PROBES_PER_PERSON_PER_MINUTE } from '../protocol/index.ts';
import type { IceServerIssuer } from '../turn/IceServerIssuer.ts';

/** Prefix of a check's room id; meetings are UUIDs or plain words, never with a colon. */
export const PROBE_ROOM_PREFIX = 'probe:';

/** Checks open at once on this server; each holds a router and a transport on the media node. */
const MAX_OPEN_PROBES = 50;

/** How often `result` looks again while it waits for test media. */
const RESULT_POLL_MS = 200;

/** TURN credentials outlast the check by this much: a relay is opened a moment after the reply. */
const TURN_MARGIN_SECONDS = 30;

const MINUTE_MS = 60_000;

export type ProbeCloseReason = 'client' | 'disconnected' | 'timeout' | 'failed' | 'media_lost';

interface Probe {
  readonly id: string;
  readonly roomId: string;
  /** Random: it is also the id in the TURN username, which the TURN server logs. */
  readonly peerId: string;
  readonly log: Logger;
  readonly timer: NodeJS.Timeout;
  transportId: string | null;
  /** Kinds of test track produced or being produced. */
  readonly kinds: Set<MediaKind>;
  hasReportedMedia: boolean;
  isClosed: boolean;
}

/**
 * Connection checks before a meeting (see protocol/probe.ts): each is a room of its own on the
 * media node with one send transport, owned by one connection, closed when the client is done,
 * when the connection drops, or when its time is up, whichever comes first. Checks are limited
 * per connection (one at a time), per person (a few a minute) and per server, as each costs a
 * router.
 */
export class ProbeService {
  readonly #media: MediaNode;
  readonly #iceServers: IceServerIssuer;
  readonly #log: Logger;
  readonly #lifetimeMs: number;
  readonly #maxOpen: number;
  readonly #perPersonPerMinute: number;
  /** Open checks by the connection that owns them. */
  readonly #probes = new Map<string, Probe>();
  /** When each person started their checks of the last minute. */
  readonly #starts = new Map<string, number[]>();

  constructor(deps: {
    media: MediaNode;
    iceServers: IceServerIssuer;
    log: Logger;
    /** Default PROBE_LIFETIME_SECONDS; tests shorten it. */
    lifetimeMs?: number;
    maxOpen?: number;
    perPersonPerMinute?: number;
  }) {
    this.#media = deps.media;
    this.#iceServers = deps.iceServers;
    this.#log = deps.log;
    this.#lifetimeMs = deps.lifetimeMs ?? PROBE_LIFETIME_SECONDS * 1000;
    this.#maxOpen = deps.maxOpen ?? MAX_OPEN_PROBES;
    this.#perPersonPerMinute = deps.perPersonPerMinute ?? PROBES_PER_PERSON_PER_MINUTE;

    // The worker died: the check's room went with it, and the client finds its transport failed.
    this.#media.events.on('roomclosed', ({ roomId }) => {
      const owner = [...this.#probes].find(([, probe]) => probe.roomId === roomId)?.[0];

      if (owner !== undefined) void this.close(owner, 'media_lost');
    });
  }

  /** Checks open now. */
  get openCount(): number {
    return this.#probes.size;
  }

  /** Opens a check for the connection `owner`, started by `personId` (for the rate limit). */
  async open(owner: string, personId: string): Promise<ProbeOptions> {
    if (this.#probes.has(owner)) {
      throw new AppError('invalid_request', 'a connection check is running on this connection');
    }
    this.#checkRate(personId);
    if (this.#probes.size >= this.#maxOpen) {
      throw new AppError('capacity', 'too many connection checks are running; try again shortly');
    }
    this.#starts.get(personId)!.push(Date.now());

    const id = randomUUID();
    const probe: Probe = {
      id,
      roomId: `${PROBE_ROOM_PREFIX}${id}`,
      peerId: randomUUID(),
      log: this.#log.child({ probeId: id }),
      timer: setTimeout(() => void this.close(owner, 'timeout'), this.#lifetimeMs),
      transportId: null,
      kinds: new Set(),
      hasReportedMedia: false,
      isClosed: false,
    };

    probe.timer.unref();
    // Held before anything is awaited, so that a second request on the connection is refused.
    this.#probes.set(owner, probe);

    try {
      const { rtpCapabilities } = await this.#media.openRoom(probe.roomId);

      this.#checkOpen(probe);

      const transport = await this.#media.createWebRtcTransport({
        roomId: probe.roomId,
        peerId: probe.peerId,
        direction: 'send',
      });

      this.#checkOpen(probe);
      probe.transportId = transport.id;
      probe.log.info('connection check opened');

      return {
        probeId: id,
        routerRtpCapabilities: rtpCapabilities as RtpCapabilities,
        // mediasoup's types are wider (plain strings) than the protocol's enums; same values.
        transport: transport as unknown as TransportOptions,
        ice: this.#iceServers.issue(
          probe.peerId,
          Date.now(),
          Math.ceil(this.#lifetimeMs / 1000) + TURN_MARGIN_SECONDS,
        ),
        expiresAt: new Date(Date.now() + this.#lifetimeMs).toISOString(),
      };
    } catch (error) {
      // Closed meanwhile (the connection dropped): the room may have opened after the close.
      if (probe.isClosed) await this.#closeRoom(probe);
      else await this.close(owner, 'failed');
      throw error;
    }
  }

  async connect(owner: string, dtlsParameters: DtlsParameters): Promise<void> {
    const probe = this.#ready(owner);

    await this.#onMedia(probe, () =>
      this.#media.connectTransport({
        roomId: probe.roomId,
        peerId: probe.peerId,
        transportId: probe.transportId!,
        dtlsParameters: dtlsParameters as never,
      }),
    );
  }

  async produce(
    owner: string,
    kind: MediaKind,
    rtpParameters: RtpParameters,
  ): Promise<{ producerId: string }> {
    const probe = this.#ready(owner);

    if (probe.kinds.has(kind)) {
      throw new AppError('invalid_request', `a check sends one ${kind} track at most`);
    }
    probe.kinds.add(kind);

    try {
      return await this.#onMedia(probe, () =>
        this.#media.produce({
          roomId: probe.roomId,
          peerId: probe.peerId,
          transportId: probe.transportId!,
          kind,
          rtpParameters: rtpParameters as never,
          source: 'probe',
        }),
      );
    } catch (error) {
      probe.kinds.delete(kind);
      throw error;
    }
  }

  /** How the check went; waits up to `waitMs` for test media to arrive. */
  async result(owner: string, waitMs: number): Promise<ProbeResult> {
    const probe = this.#ready(owner);
    const deadline = Date.now() + waitMs;

    for (;;) {
      const result = await this.#onMedia(probe, () => this.#measure(probe));

      if (result.hasMediaArrived || Date.now() >= deadline) {
        if (!probe.hasReportedMedia) probe.log.info(result, 'connection check measured');
        probe.hasReportedMedia ||= result.hasMediaArrived;

        return result;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(RESULT_POLL_MS, deadline - Date.now())),
      );
    }
  }

  /** Closes the connection's check, if it has one; never throws. */
  async close(owner: string, reason: ProbeCloseReason): Promise<void> {
    const probe = this.#probes.get(owner);

    if (!probe) return;

    this.#probes.delete(owner);
    probe.isClosed = true;
    clearTimeout(probe.timer);
    await this.#closeRoom(probe);
    probe.log.info({ reason }, 'connection check closed');
  }

  async #measure(probe: Probe): Promise<ProbeResult> {
    const [state, links] = await Promise.all([
      this.#media.describePeer({ roomId: probe.roomId, peerId: probe.peerId }),
      this.#media.roomLinkStats(probe.roomId),
    ]);
    const transport = state.transports.find((t) => t.transportId === probe.transportId);
    const uplink = links.find((l) => l.peerId === probe.peerId)?.uplink;
    const iceState = transport?.iceState ?? null;
    const dtlsState = transport?.dtlsState ?? null;

    return {
      isConnected:
        dtlsState === 'connected' && (iceState === 'connected' || iceState === 'completed'),
      // A producer has a score, or RTCP statistics of a received stream, only once RTP came in;
      // the transport's bitrate alone would count ICE and DTLS too.
      hasMediaArrived:
        uplink !== undefined && (uplink.score !== null || uplink.packetLoss !== null),
      iceState,
      dtlsState,
    };
  }

  /** Refuses a person's next check while they have started enough within the last minute. */
  #checkRate(personId: string): void {
    const since = Date.now() - MINUTE_MS;

    // Forgets everyone's old starts, so that the map holds only the last minute's people.
    for (const [person, starts] of this.#starts) {
      const recent = starts.filter((at) => at > since);

      if (recent.length === 0) this.#starts.delete(person);
      else this.#starts.set(person, recent);
    }

    const starts = this.#starts.get(personId) ?? [];

    if (starts.length >= this.#perPersonPerMinute) {
      throw new AppError('rate_limited', 'too many connection checks; wait a minute', {
        retryAfterSeconds: Math.ceil((starts[0]! + MINUTE_MS - Date.now()) / 1000),
      });
    }
    this.#starts.set(personId, starts);
  }

  /** The connection's check once its transport exists. */
  #ready(owner: string): Probe {
    const probe = this.#probes.get(owner);

    if (!probe) throw new AppError('not_found', 'no connection check is open; start one');
    if (probe.transportId === null) {
      throw new AppError('invalid_request', 'the connection check is still opening');
    }

    return probe;
  }

  #checkOpen(probe: Probe): void {
    if (probe.isClosed) throw new AppError('not_found', 'the connection check has closed');
  }

  /** Runs a media request for the check; the check closing meanwhile answers `not_found`. */
  async #onMedia<T>(probe: Probe, request: () => Promise<T>): Promise<T> {
    try {
      const answer = await request();

      this.#checkOpen(probe);

      return answer;
    } catch (error) {
      const isGone =
        probe.isClosed ||
        (error instanceof MediaError && (error.code === 'not_found' || error.code === 'closed'));

      if (isGone) throw new AppError('not_found', 'the connection check has closed');
      throw error;
    }
  }

  async #closeRoom(probe: Probe): Promise<void> {
    await this.#media.closeRoom(probe.roomId).catch((error: unknown) => {
      probe.log.warn({ err: error }, 'closing a connection check failed');
    });
  }
}
