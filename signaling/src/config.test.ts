import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config.ts';

/** The ConfigError loadConfig throws for `env`; fails the test if the config is accepted. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);

    return error as ConfigError;
  }

  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('falls back to defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: path.resolve(process.cwd(), 'data'),
      databaseUrl: undefined,
      jwtSecret: undefined,
      publicUrl: undefined,
      demo: true,
      logLevel: 'info',
      media: {
        listenIp: '127.0.0.1',
        announcedIp: undefined,
        rtcMinPort: 40000,
        rtcMaxPort: 49999,
        webRtcServer: true,
        webRtcPort: undefined,
      },
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.media.numWorkers).toBeGreaterThanOrEqual(1);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', DEMO: '', DATA_DIR: '', RTC_MIN_PORT: '' });

    expect(config).toMatchObject({ port: 8080, demo: true, dataDir: path.resolve('data') });
    expect(config.media.rtcMinPort).toBe(40000);
  });

  it('reads the values it is given', () => {
    const config = loadConfig({
      PORT: '3000',
      DATA_DIR: '/var/lib/teamrom',
      DEMO: 'off',
      PUBLIC_URL: 'https://teamrom.example/',
      RTC_MIN_PORT: '41000',
      RTC_MAX_PORT: '41000',
    });

    expect(config).toMatchObject({
      port: 3000,
      dataDir: '/var/lib/teamrom',
      demo: false,
      publicUrl: 'https://teamrom.example',
      media: { rtcMinPort: 41000, rtcMaxPort: 41000 },
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/teamrom' }).dataDir).toBe(
      path.join(process.cwd(), 'var', 'teamrom'),
    );
  });

  it('reads DEMO as true or false in the usual spellings', () => {
    for (const yes of ['1', 'true', 'TRUE', 'yes', 'on'])
      expect(loadConfig({ DEMO: yes }).demo).toBe(true);
    for (const no of ['0', 'false', 'No', 'off']) expect(loadConfig({ DEMO: no }).demo).toBe(false);
  });

  it('renews tokens for an hour at a time, for at most twelve hours, unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ tokenSeconds: 3600, maxSessionSeconds: 43200 });
    expect(loadConfig({ TOKEN_SECONDS: '5', MAX_SESSION_SECONDS: '28800' })).toMatchObject({
      tokenSeconds: 5,
      maxSessionSeconds: 28800,
    });
  });

  it('refuses a token lifetime or session length out of range', () => {
    expect(configError({ TOKEN_SECONDS: '0' }).message).toMatch(/^TOKEN_SECONDS /);
    expect(configError({ TOKEN_SECONDS: '86401' }).message).toMatch(/^TOKEN_SECONDS /);
    expect(configError({ MAX_SESSION_SECONDS: '1h' }).message).toMatch(/^MAX_SESSION_SECONDS /);
  });

  it('refuses a PORT that is not a number', () => {
    expect(configError({ PORT: 'abc' }).message).toBe(
      'PORT must be a whole number from 0 to 65535, not "abc"',
    );
  });

  it('refuses a PORT that is fractional or out of range', () => {
    expect(configError({ PORT: '80.5' }).message).toMatch(/^PORT /);
    expect(configError({ PORT: '65536' }).message).toMatch(/^PORT /);
    expect(configError({ PORT: '-1' }).message).toMatch(/^PORT /);
  });

  it('refuses an RTC_MAX_PORT below RTC_MIN_PORT', () => {
    expect(configError({ RTC_MIN_PORT: '45000', RTC_MAX_PORT: '44999' }).message).toBe(
      'RTC_MAX_PORT must not be below RTC_MIN_PORT',
    );
  });

  it('refuses an RTC port below 1024', () => {
    expect(configError({ RTC_MIN_PORT: '80' }).message).toMatch(/^RTC_MIN_PORT /);
  });

  it('shares one port per worker among transports unless MEDIASOUP_WEBRTC_SERVER is off', () => {
    expect(loadConfig({ MEDIASOUP_WEBRTC_SERVER: 'false' }).media.webRtcServer).toBe(false);
    expect(
      loadConfig({ MEDIASOUP_WORKERS: '4', MEDIASOUP_WEBRTC_PORT: '39000' }).media,
    ).toMatchObject({ webRtcServer: true, webRtcPort: 39000, numWorkers: 4 });
    expect(configError({ MEDIASOUP_WEBRTC_SERVER: 'sometimes' }).message).toMatch(
      /^MEDIASOUP_WEBRTC_SERVER /,
    );
  });

  it('refuses WebRtcServer ports that reach into the RTC range or past 65535', () => {
    expect(configError({ MEDIASOUP_WORKERS: '2', MEDIASOUP_WEBRTC_PORT: '39999' }).message).toBe(
      'MEDIASOUP_WEBRTC_PORT: ports 39999-40000 (one per worker) must lie outside ' +
        'RTC_MIN_PORT-RTC_MAX_PORT (40000-49999)',
    );
    expect(configError({ MEDIASOUP_WORKERS: '2', MEDIASOUP_WEBRTC_PORT: '65535' }).message).toMatch(
      /^MEDIASOUP_WEBRTC_PORT must be a whole number from 1024 to 65534/,
    );
    expect(configError({ MEDIASOUP_WEBRTC_PORT: '80' }).message).toMatch(/^MEDIASOUP_WEBRTC_PORT /);
  });

  it('refuses MEDIASOUP_WEBRTC_PORT when the WebRtcServer is off', () => {
    expect(
      configError({ MEDIASOUP_WEBRTC_SERVER: 'off', MEDIASOUP_WEBRTC_PORT: '39000' }).message,
    ).toBe('MEDIASOUP_WEBRTC_PORT is used only with MEDIASOUP_WEBRTC_SERVER=true');
  });

  it('refuses a DEMO that is neither true nor false', () => {
    expect(configError({ DEMO: 'maybe' }).message).toBe('DEMO must be true or false, not "maybe"');
  });
});

describe('loadConfig for TURN', () => {
  const SECRET = 'a-secret-shared-with-coturn-0123456789abcdef';

  it('has no TURN server unless TURN_URLS names one', () => {
    expect(loadConfig({}).turn).toBeNull();
  });

  it('reads the URLs, the secret, the credentials lifetime and the relay policy', () => {
    const config = loadConfig({
      TURN_URLS: ' turn:turn.example:3478?transport=udp , turns:turn.example:443?transport=tcp',
      TURN_SECRET: SECRET,
      TURN_TTL_SECONDS: '600',
      TURN_FORCE_RELAY: 'true',
    });

    expect(config.turn).toEqual({
      urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:443?transport=tcp'],
      secret: SECRET,
      ttlSeconds: 600,
      forceRelay: true,
    });
    expect(loadConfig({ TURN_URLS: 'turn:turn.example', TURN_SECRET: SECRET }).turn).toMatchObject({
      ttlSeconds: 3600,
      forceRelay: false,
    });
  });

  it('refuses TURN without a long enough secret, and never repeats the secret', () => {
    expect(configError({ TURN_URLS: 'turn:turn.example' }).message).toBe(
      'TURN_SECRET must be set to at least 32 characters with TURN_URLS',
    );
    expect(
      configError({ TURN_URLS: 'turn:turn.example', TURN_SECRET: 'short' }).message,
    ).not.toMatch(/short/);
  });

  it('refuses URLs that are not turn: or turns:, and settings that need a TURN server', () => {
    expect(configError({ TURN_URLS: 'https://turn.example', TURN_SECRET: SECRET }).message).toMatch(
      /^TURN_URLS: "https:\/\/turn.example" is not a turn: or turns: URL/,
    );
    expect(configError({ TURN_FORCE_RELAY: 'true' }).message).toBe(
      'TURN_FORCE_RELAY needs a TURN server in TURN_URLS',
    );
    expect(configError({ TURN_SECRET: SECRET }).message).toBe(
      'TURN_SECRET is used only with TURN_URLS',
    );
    expect(
      configError({ TURN_URLS: 'turn:turn.example', TURN_SECRET: SECRET, TURN_TTL_SECONDS: '1' })
        .message,
    ).toMatch(/^TURN_TTL_SECONDS must be a whole number from 5 to 86400/);
  });
});

describe('loadConfig for resuming and quality reports', () => {
  it('keeps a dropped participant 20 s and reports quality every 2 s by default', () => {
    expect(loadConfig({})).toMatchObject({ resumeGraceMs: 20_000, qualityIntervalMs: 2_000 });
    expect(loadConfig({ RESUME_GRACE_MS: '0' }).resumeGraceMs).toBe(0);
  });

  it('refuses a grace period over five minutes and reports more often than every 250 ms', () => {
    expect(configError({ RESUME_GRACE_MS: '300001' }).message).toMatch(/^RESUME_GRACE_MS must be/);
    expect(configError({ QUALITY_INTERVAL_MS: '100' }).message).toMatch(
      /^QUALITY_INTERVAL_MS must be/,
    );
  });
});

/** What every node of a cluster must share. */
const CLUSTER_SHARED = { DATABASE_URL: 'postgresql://db/teamrom', JWT_SECRET: 'x'.repeat(32) };

describe('loadConfig for the media cluster', () => {
  it('runs media in this process unless MEDIA_MODE=cluster', () => {
    expect(loadConfig({}).mediaCluster).toBeNull();
    expect(
      loadConfig({ MEDIA_MODE: 'local', REDIS_URL: 'redis://r:6379' }).mediaCluster,
    ).toBeNull();
    expect(
      loadConfig({ ...CLUSTER_SHARED, MEDIA_MODE: 'cluster', REDIS_URL: 'redis://r:6379' })
        .mediaCluster,
    ).toEqual({ redisUrl: 'redis://r:6379', keyPrefix: 'teamrom:' });
  });

  it('names the signalling node by NODE_ID, and refuses a name that would not fit a Redis key', () => {
    const cluster = { ...CLUSTER_SHARED, MEDIA_MODE: 'cluster', REDIS_URL: 'redis://r:6379' };

    expect(loadConfig({ ...cluster, NODE_ID: 'signal-a.1' }).mediaCluster?.nodeId).toBe(
      'signal-a.1',
    );
    expect(loadConfig(cluster).mediaCluster?.nodeId).toBeUndefined();
    expect(configError({ ...cluster, NODE_ID: 'a b' }).message).toMatch(/^NODE_ID may hold/);
    expect(configError({ ...cluster, NODE_ID: 'x'.repeat(65) }).message).toMatch(/^NODE_ID/);
  });

  it('refuses an unknown mode, and a cluster without a Redis URL, without repeating the URL', () => {
    expect(configError({ MEDIA_MODE: 'remote' }).message).toMatch(/^MEDIA_MODE must be local or/);
    expect(configError({ MEDIA_MODE: 'cluster' }).message).toMatch(/needs REDIS_URL/);

    const message = configError({ MEDIA_MODE: 'cluster', REDIS_URL: 'http://u:secret@r' }).message;

    expect(message).toMatch(/needs REDIS_URL/);
    expect(message).not.toContain('secret');
  });

  it('refuses a cluster node without the database and the token secret all nodes share', () => {
    const cluster = { ...CLUSTER_SHARED, MEDIA_MODE: 'cluster', REDIS_URL: 'redis://r:6379' };

    expect(configError({ ...cluster, DATABASE_URL: '' }).message).toMatch(/needs DATABASE_URL/);
    expect(configError({ ...cluster, JWT_SECRET: '' }).message).toMatch(/needs JWT_SECRET/);
  });
});
