import os from 'node:os';
import path from 'node:path';

/** Everything Teamrom reads from its environment; infra/.env.example documents each setting. */
export interface Config {
  port: number;
  host: string;
  /** Where embedded data (PGlite, the signing secret) is kept. */
  dataDir: string;
  databaseUrl: string | undefined;
  /** HMAC secret for access tokens; when unset, one is generated and kept in dataDir. */
  jwtSecret: string | undefined;
  /** Lifetime of a renewed access token, in seconds. */
  tokenSeconds: number;
  /** How long renewals keep a person's access going after their link was signed, in seconds. */
  maxSessionSeconds: number;
  /** Base URL printed in join links. */
  publicUrl: string | undefined;
  demo: boolean;
  /** Patients, relatives and interpreters wait until a team member lets them in. */
  waitingRoom: boolean;
  /** How long an ad-hoc call rings before it ends unanswered, in milliseconds. */
  ringTimeoutMs: number;
  /**
   * How often open care plans are checked against the rules as they are now (a care-team period
   * that ended, an expired token), in milliseconds.
   */
  planSweepMs: number;
  /**
   * How long a participant whose connection dropped is kept, media and all, for them to come back
   * as the same participant, in milliseconds; 0 removes them at once.
   */
  resumeGraceMs: number;
  /** How often each meeting is told everyone's connection quality, in milliseconds. */
  qualityIntervalMs: number;
  webDistDir: string;
  logLevel: string;
  media: {
    numWorkers: number;
    listenIp: string;
    announcedIp: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
    /** All transports of a worker share one UDP and one TCP port (mediasoup's WebRtcServer). */
    webRtcServer: boolean;
    /** The first worker's WebRtcServer port, the next worker's one above; unset: from the range. */
    webRtcPort: number | undefined;
  };
  /** The TURN server(s) handed to clients; null when media is reached directly only. */
  turn: TurnConfig | null;
  /**
   * MEDIA_MODE=cluster: media nodes run as processes of their own (sfu-server/src/main.ts) and are
   * reached through Redis; null (MEDIA_MODE=local, the default) runs the media in this process.
   * The same mode makes this signalling node one of a cluster: Socket.io rooms, recoverable
   * sessions and the participants of meetings are shared through the same Redis, so that nodes
   * behind a load balancer serve one meeting together. `nodeId` (NODE_ID) names this signalling
   * node in Redis; unset, a random id per start.
   */
  mediaCluster: { redisUrl: string; keyPrefix: string; nodeId?: string } | null;
}

export interface TurnConfig {
  /** `turn:` and `turns:` URLs, in the order clients should try them. */
  urls: string[];
  /** Shared with coturn (`static-auth-secret`); signs each client's short-lived credentials. */
  secret: string;
  /** How long handed-out credentials stay valid for new allocations, in seconds. */
  ttlSeconds: number;
  /** Clients send all media through TURN (`iceTransportPolicy: 'relay'`); for testing. */
  forceRelay: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];

  if (raw === undefined || raw === '') return fallback;

  const value = Number(raw);

  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }

  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];

  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;

  throw new ConfigError(`${name} must be true or false, not "${raw}"`);
}

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rtcMinPort = integer(env, 'RTC_MIN_PORT', 40000, 1024, 65535);
  const rtcMaxPort = integer(env, 'RTC_MAX_PORT', 49999, 1024, 65535);

  if (rtcMaxPort < rtcMinPort) throw new ConfigError('RTC_MAX_PORT must not be below RTC_MIN_PORT');

  const numWorkers = integer(env, 'MEDIASOUP_WORKERS', os.availableParallelism(), 1, 256);
  const webRtcServer = flag(env, 'MEDIASOUP_WEBRTC_SERVER', true);
  const webRtcPort = webRtcServerPort(env, { webRtcServer, numWorkers, rtcMinPort, rtcMaxPort });

  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    tokenSeconds: integer(env, 'TOKEN_SECONDS', 60 * 60, 5, 24 * 60 * 60),
    maxSessionSeconds: integer(env, 'MAX_SESSION_SECONDS', 12 * 60 * 60, 10, 7 * 24 * 60 * 60),
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    demo: flag(env, 'DEMO', true),
    waitingRoom: flag(env, 'WAITING_ROOM', true),
    ringTimeoutMs: integer(env, 'RING_TIMEOUT_MS', 45_000, 100, 10 * 60 * 1000),
    planSweepMs: integer(env, 'PLAN_SWEEP_MS', 30_000, 100, 60 * 60 * 1000),
    resumeGraceMs: integer(env, 'RESUME_GRACE_MS', 20_000, 0, 5 * 60 * 1000),
    qualityIntervalMs: integer(env, 'QUALITY_INTERVAL_MS', 2_000, 250, 60_000),
    webDistDir: path.resolve(env.WEB_DIST_DIR || path.join(REPO_ROOT, 'web-client', 'dist')),
    logLevel: env.LOG_LEVEL || 'info',
    media: {
      numWorkers,
      listenIp: env.MEDIASOUP_LISTEN_IP || '127.0.0.1',
      announcedIp: env.MEDIASOUP_ANNOUNCED_IP || undefined,
      rtcMinPort,
      rtcMaxPort,
      webRtcServer,
      webRtcPort,
    },
    turn: turnConfig(env),
    mediaCluster: mediaClusterConfig(env),
  };
}

function mediaClusterConfig(env: NodeJS.ProcessEnv): Config['mediaCluster'] {
  const mode = env.MEDIA_MODE || 'local';

  if (mode === 'local') return null;
  if (mode !== 'cluster') {
    throw new ConfigError(`MEDIA_MODE must be local or cluster, not "${mode}"`);
  }
  // The URL may hold a password: never repeated in a message.
  if (!/^rediss?:\/\/\S+$/.test(env.REDIS_URL ?? '')) {
    throw new ConfigError('MEDIA_MODE=cluster needs REDIS_URL set to a redis:// or rediss:// URL');
  }

  // Each node would otherwise keep plans in a database of its own, and sign tokens the others
  // refuse: an edit acknowledged on one node would be missing on the next.
  if (!env.DATABASE_URL) {
    throw new ConfigError('MEDIA_MODE=cluster needs DATABASE_URL, one PostgreSQL for every node');
  }
  if (!env.JWT_SECRET) {
    throw new ConfigError('MEDIA_MODE=cluster needs JWT_SECRET, the same on every node');
  }

  const nodeId = env.NODE_ID || undefined;

  if (nodeId !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) {
    throw new ConfigError('NODE_ID may hold letters, digits, "_", "." and "-" (at most 64)');
  }

  return { redisUrl: env.REDIS_URL!, keyPrefix: env.REDIS_KEY_PREFIX || 'teamrom:', nodeId };
}

/**
 * TURN_URLS with TURN_SECRET, or neither. Only the TURN REST scheme (a secret shared with coturn)
 * is supported: static TURN passwords handed to every browser would be anyone's to reuse.
 */
function turnConfig(env: NodeJS.ProcessEnv): TurnConfig | null {
  const urls = (env.TURN_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const secret = env.TURN_SECRET ?? '';
  const ttlSeconds = integer(env, 'TURN_TTL_SECONDS', 60 * 60, 5, 24 * 60 * 60);
  const forceRelay = flag(env, 'TURN_FORCE_RELAY', false);

  if (urls.length === 0) {
    if (secret !== '') throw new ConfigError('TURN_SECRET is used only with TURN_URLS');
    if (forceRelay) throw new ConfigError('TURN_FORCE_RELAY needs a TURN server in TURN_URLS');

    return null;
  }

  for (const url of urls) {
    if (!/^turns?:[^\s?]+(\?transport=(udp|tcp))?$/.test(url)) {
      throw new ConfigError(
        `TURN_URLS: "${url}" is not a turn: or turns: URL (turn:host:port?transport=udp)`,
      );
    }
  }
  // The secret's value never appears in a message: only that it is missing or too short.
  if (secret.length < 32) {
    throw new ConfigError('TURN_SECRET must be set to at least 32 characters with TURN_URLS');
  }

  return { urls, secret, ttlSeconds, forceRelay };
}

/**
 * MEDIASOUP_WEBRTC_PORT and the ports above it, one per worker. They must lie outside the RTC range:
 * a plain transport could otherwise take the port of a worker that is being replaced.
 */
function webRtcServerPort(
  env: NodeJS.ProcessEnv,
  media: { webRtcServer: boolean; numWorkers: number; rtcMinPort: number; rtcMaxPort: number },
): number | undefined {
  if (env.MEDIASOUP_WEBRTC_PORT === undefined || env.MEDIASOUP_WEBRTC_PORT === '') return undefined;

  if (!media.webRtcServer) {
    throw new ConfigError('MEDIASOUP_WEBRTC_PORT is used only with MEDIASOUP_WEBRTC_SERVER=true');
  }

  const first = integer(env, 'MEDIASOUP_WEBRTC_PORT', 0, 1024, 65536 - media.numWorkers);
  const last = first + media.numWorkers - 1;

  if (first <= media.rtcMaxPort && last >= media.rtcMinPort) {
    throw new ConfigError(
      `MEDIASOUP_WEBRTC_PORT: ports ${first}-${last} (one per worker) must lie outside ` +
        `RTC_MIN_PORT-RTC_MAX_PORT (${media.rtcMinPort}-${media.rtcMaxPort})`,
    );
  }

  return first;
}
