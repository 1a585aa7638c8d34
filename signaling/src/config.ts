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
  webDistDir: string;
  logLevel: string;
  media: {
    numWorkers: number;
    listenIp: string;
    announcedIp: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
  };
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
    webDistDir: path.resolve(env.WEB_DIST_DIR || path.join(REPO_ROOT, 'web-client', 'dist')),
    logLevel: env.LOG_LEVEL || 'info',
    media: {
      numWorkers: integer(env, 'MEDIASOUP_WORKERS', os.availableParallelism(), 1, 256),
      listenIp: env.MEDIASOUP_LISTEN_IP || '127.0.0.1',
      announcedIp: env.MEDIASOUP_ANNOUNCED_IP || undefined,
      rtcMinPort,
      rtcMaxPort,
    },
  };
}
