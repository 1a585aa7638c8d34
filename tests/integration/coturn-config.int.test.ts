import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { turnRestCredentials } from '../../signaling/src/turn/IceServerIssuer.ts';
import type { CoturnProcess } from '../lib/coturn.ts';
import { startCoturn } from '../lib/coturn.ts';
import { REPO_ROOT } from '../lib/teamrom.ts';
import { permissions } from '../lib/turnClient.ts';

/*
 * The production example in infra/coturn must let the relay reach Teamrom's media server and
 * nothing else. Its peer rules run here in Debian's coturn, with 127.0.0.1 standing in for the
 * media server. A permission only opens the relay: nothing is sent to any of the addresses.
 */

const PRODUCTION_CONFIG = path.join(REPO_ROOT, 'infra', 'coturn', 'turnserver.conf');

const settingsOf = async () =>
  (await readFile(PRODUCTION_CONFIG, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('the production coturn example', () => {
  let coturn: CoturnProcess;

  beforeAll(async () => {
    const peerRules = (await settingsOf()).filter((line) =>
      /^(denied-peer-ip=|no-multicast-peers$|no-tcp-relay$)/.test(line),
    );

    coturn = await startCoturn({
      // The media server of the tests listens on loopback, which coturn otherwise never relays to.
      peerRules: [...peerRules, 'allow-loopback-peers', 'allowed-peer-ip=127.0.0.1'],
    });
  });

  afterAll(async () => {
    await coturn?.stop();
  });

  it('relays to the media server it allows, and to no other address', async () => {
    const credentials = turnRestCredentials(
      coturn.secret,
      'a1b2c3',
      Math.floor(Date.now() / 1000) + 60,
    );
    const answers = await permissions(coturn.port, credentials, [
      '127.0.0.1',
      '127.0.0.2',
      '10.20.30.40',
      '172.16.5.4',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.1.1',
      '8.8.8.8',
    ]);

    expect(answers['127.0.0.1']).toEqual({ ok: true });
    for (const [peer, answer] of Object.entries(answers)) {
      if (peer !== '127.0.0.1') expect(answer, peer).toMatchObject({ ok: false, code: 403 });
    }
  });

  it('authenticates with the TURN REST secret, keeps it out of the file, and has no CLI', async () => {
    const settings = await settingsOf();

    expect(settings).toEqual(
      expect.arrayContaining(['use-auth-secret', 'fingerprint', 'no-cli', 'log-file=stdout']),
    );
    expect(settings.some((line) => line.startsWith('static-auth-secret'))).toBe(false);
    expect(settings).not.toContain('allow-loopback-peers');
    expect(settings).not.toContain('no-auth');
  });
});
