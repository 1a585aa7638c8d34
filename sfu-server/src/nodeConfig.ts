import os from 'node:os';

import type { MediaNodeOptions } from './config.ts';
import type { StandaloneOptions } from './cluster/StandaloneMediaNode.ts';

/** A setting of the standalone media node that cannot work; the message names the variable. */
export class NodeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeConfigError';
  }
}

export type NodeConfig = Omit<StandaloneOptions, 'log'> & { media: MediaNodeOptions };

/**
 * The standalone media node's settings from its environment. The media settings have the same
 * names as the all-in-one server's (infra/.env.example); REDIS_URL and MEDIA_NODE_ID are its own.
 */
export function loadNodeConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const redisUrl = env.REDIS_URL ?? '';

  if (!/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new NodeConfigError('REDIS_URL must be set to a redis:// or rediss:// URL');
  }

  // The id names the node in Redis and in logs; a node restarted under its id is recognised.
  const nodeId = env.MEDIA_NODE_ID || os.hostname();

  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw new NodeConfigError('MEDIA_NODE_ID may hold only letters, digits, ".", "_" and "-"');
  }

  const rtcMinPort = integer(env, 'RTC_MIN_PORT', 40000, 1024, 65535);
  const rtcMaxPort = integer(env, 'RTC_MAX_PORT', 49999, 1024, 65535);

  if (rtcMaxPort < rtcMinPort) {
    throw new NodeConfigError('RTC_MAX_PORT must not be below RTC_MIN_PORT');
  }

  const webRtcPort =
    env.MEDIASOUP_WEBRTC_PORT === undefined || env.MEDIASOUP_WEBRTC_PORT === ''
      ? undefined
      : integer(env, 'MEDIASOUP_WEBRTC_PORT', 0, 1024, 65535);

  return {
    nodeId,
    redisUrl,
    keyPrefix: env.REDIS_KEY_PREFIX || 'teamrom:',
    heartbeatMs: integer(env, 'MEDIA_HEARTBEAT_MS', 1_000, 100, 60_000),
    lapseMs: integer(env, 'MEDIA_LAPSE_MS', 3_000, 300, 600_000),
    media: {
      numWorkers: integer(env, 'MEDIASOUP_WORKERS', os.availableParallelism(), 1, 256),
      listenIp: env.MEDIASOUP_LISTEN_IP || '127.0.0.1',
      announcedIp: env.MEDIASOUP_ANNOUNCED_IP || undefined,
      rtcMinPort,
      rtcMaxPort,
      webRtcPort,
      maxConsumersPerWorker: integer(env, 'MAX_CONSUMERS_PER_WORKER', 500, 1, 1_000_000),
    },
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];

  if (raw === undefined || raw === '') return fallback;

  const value = Number(raw);

  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NodeConfigError(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }

  return value;
}
