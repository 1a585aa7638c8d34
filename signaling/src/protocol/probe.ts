import { z } from 'zod';

import type { TransportOptions } from './events.ts';
import type { IceServersReply } from './ice.ts';
import type { RtpCapabilities } from './media.ts';
import { dtlsParametersSchema, rtpParametersSchema } from './media.ts';

/*
 * The connection check before a meeting: can this device reach the media server, and does media
 * it sends arrive? A person in the waiting room, or about to join, has no meeting to make a
 * transport in; a check opens a short-lived room of its own on the media node, with one send
 * transport, and the client sends a small test track through it.
 *
 * The steps: `media:probe` (router capabilities, transport, ICE servers); load a device and make a
 * send transport with them; `media:probeConnect` and `media:probeProduce` as the transport asks;
 * `media:probeResult` once it is connected, which waits a moment for the test media to arrive;
 * `media:probeClose`. A check is closed by the server PROBE_LIFETIME_SECONDS after it opened, or
 * when its connection drops, whichever comes first; later requests about it get `not_found`.
 *
 * Refusals of `media:probe`: `invalid_request` while this connection has a check open already,
 * `rate_limited` after PROBES_PER_PERSON_PER_MINUTE checks by the same person within a minute,
 * `capacity` when the server runs as many checks as it takes.
 */

/** How long the server keeps a check open at most. */
export const PROBE_LIFETIME_SECONDS = 30;
/** How many checks one person may start within a minute, on all their connections together. */
export const PROBES_PER_PERSON_PER_MINUTE = 5;
/** The longest `media:probeResult` waits for test media to arrive. */
export const PROBE_RESULT_MAX_WAIT_MS = 5000;

export const probeRequestSchemas = {
  /**
   * Opens a connection check for this connection; any valid token may, also while waiting to be
   * let in. One at a time per connection.
   */
  'media:probe': z.object({}),
  /** The check's transport hands over its DTLS parameters (mediasoup-client's `connect`). */
  'media:probeConnect': z.object({ dtlsParameters: dtlsParametersSchema }),
  /** The test track (mediasoup-client's `produce`); one of each kind at most. */
  'media:probeProduce': z.object({
    kind: z.enum(['audio', 'video']),
    rtpParameters: rtpParametersSchema,
  }),
  /**
   * How the check went as the media server sees it. Waits up to `waitMs` (default 3000) for test
   * media to arrive before answering that none did.
   */
  'media:probeResult': z.object({
    waitMs: z.number().int().min(0).max(PROBE_RESULT_MAX_WAIT_MS).default(3000),
  }),
  /** Closes the check before its time; closing one that is gone already does nothing. */
  'media:probeClose': z.object({}),
} as const;

export interface ProbeOptions {
  probeId: string;
  routerRtpCapabilities: RtpCapabilities;
  /** A send transport: pass it to mediasoup-client's `createSendTransport`. */
  transport: TransportOptions;
  /** As `media:iceServers` answers; its TURN credentials last about as long as the check. */
  ice: IceServersReply;
  /** When the server closes the check by itself (ISO 8601). */
  expiresAt: string;
}

export interface ProbeResult {
  /** ICE and DTLS are connected: the network lets this device reach the media server. */
  isConnected: boolean;
  /** RTP of the test track reached the media server. */
  hasMediaArrived: boolean;
  /** The server's side of the transport, for logs and support: `completed`, `connected`, ... */
  iceState: string | null;
  dtlsState: string | null;
}

export interface ProbeReplies {
  'media:probe': ProbeOptions;
  'media:probeConnect': Record<string, never>;
  'media:probeProduce': { producerId: string };
  'media:probeResult': ProbeResult;
  'media:probeClose': Record<string, never>;
}
