import os from 'node:os';

import { describe, expect, it } from 'vitest';

import { loadNodeConfig, NodeConfigError } from './nodeConfig.ts';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadNodeConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(NodeConfigError);

    return (error as Error).message;
  }

  throw new Error('the configuration was accepted');
}

describe('loadNodeConfig', () => {
  it('needs only REDIS_URL; the node is named after its host', () => {
    expect(loadNodeConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      nodeId: os.hostname(),
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'teamrom:',
      heartbeatMs: 1_000,
      lapseMs: 3_000,
      media: {
        listenIp: '127.0.0.1',
        announcedIp: undefined,
        rtcMinPort: 40000,
        rtcMaxPort: 49999,
        maxConsumersPerWorker: 500,
      },
    });
  });

  it('takes the same media settings as the all-in-one server', () => {
    const config = loadNodeConfig({
      REDIS_URL: 'rediss://cache.example:6380',
      MEDIA_NODE_ID: 'media-2.region',
      MEDIASOUP_LISTEN_IP: '10.0.0.2',
      MEDIASOUP_ANNOUNCED_IP: '203.0.113.7',
      MEDIASOUP_WORKERS: '4',
      MEDIASOUP_WEBRTC_PORT: '50000',
      RTC_MIN_PORT: '42000',
      RTC_MAX_PORT: '42999',
      MAX_CONSUMERS_PER_WORKER: '300',
    });

    expect(config).toMatchObject({
      nodeId: 'media-2.region',
      media: {
        numWorkers: 4,
        listenIp: '10.0.0.2',
        announcedIp: '203.0.113.7',
        webRtcPort: 50000,
        rtcMinPort: 42000,
        rtcMaxPort: 42999,
        maxConsumersPerWorker: 300,
      },
    });
  });

  it('refuses what cannot work, naming the setting and never the URL', () => {
    expect(refusal({})).toMatch(/^REDIS_URL must be set/);

    const badUrl = refusal({ REDIS_URL: 'http://user:secret@cache' });

    expect(badUrl).toMatch(/^REDIS_URL/);
    expect(badUrl).not.toContain('secret');
    expect(refusal({ REDIS_URL: 'redis://r', MEDIA_NODE_ID: 'a b' })).toMatch(/^MEDIA_NODE_ID/);
    expect(refusal({ REDIS_URL: 'redis://r', RTC_MIN_PORT: '5000', RTC_MAX_PORT: '4000' })).toMatch(
      /^RTC_MAX_PORT/,
    );
    expect(refusal({ REDIS_URL: 'redis://r', MAX_CONSUMERS_PER_WORKER: '0' })).toMatch(
      /^MAX_CONSUMERS_PER_WORKER must be an integer/,
    );
  });
});
