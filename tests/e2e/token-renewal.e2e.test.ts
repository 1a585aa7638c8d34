import type { Browser, Page } from 'puppeteer-core';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TokenService } from '../../signaling/src/auth/tokens.ts';
import type { Ack, JoinReply, PeerInfo } from '../../signaling/src/protocol/index.ts';
import { launchBrowser } from '../lib/browser.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * A call in Chromium outlives the token of the link it was opened with: the page renews its token
 * before it expires and hands it to its live connection, so the person stays one participant and
 * what they do keeps working, until the longest session is reached, which the page then says.
 */

const SECRET = 'a-secret-for-the-renewal-e2e-test-0123456789';
const LINK_SECONDS = 3;
const TOKEN_SECONDS = 5;
const MAX_SESSION_SECONDS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const expiryOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

describe('a call longer than the life of its token, in Chromium', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let page: Page;
  let observer: Socket;
  let link: string;
  let linkSignedAt: number;
  const seen: string[] = [];
  const joined: PeerInfo[] = [];

  beforeAll(async () => {
    teamrom = await startTeamrom({
      JWT_SECRET: SECRET,
      TOKEN_SECONDS: String(TOKEN_SECONDS),
      MAX_SESSION_SECONDS: String(MAX_SESSION_SECONDS),
    });
    browser = await launchBrowser();

    const tokens = new TokenService(SECRET);

    // Someone else in the meeting, who watches what the coordinator's page does.
    observer = io(teamrom.url, {
      auth: { token: tokens.sign({ sub: 'person-per', role: 'gp', meetingId: 'demo' }, 600) },
      transports: ['websocket'],
      reconnection: false,
    });
    observer.on('peer:joined', (peer: PeerInfo) => {
      joined.push(peer);
      seen.push('joined');
    });
    observer.on('peer:left', () => seen.push('left'));
    observer.on('producer:paused', () => seen.push('paused'));

    const ack = (await observer.timeout(10_000).emitWithAck('meeting:join', {
      meetingId: 'demo',
    })) as Ack<JoinReply>;

    if (!ack.ok) throw new Error(`the observer could not join: ${ack.error.code}`);

    linkSignedAt = Date.now();
    link = tokens.sign(
      { sub: 'person-kari', role: 'coordinator', meetingId: 'demo', demo: true },
      LINK_SECONDS,
    );
    page = await (await browser.createBrowserContext()).newPage();
    await page.goto(`${teamrom.url}/m/demo#token=${link}&precheck=0`);
  });

  afterAll(async () => {
    observer?.close();
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('renews the token and keeps working, as one participant, after the link has expired', async () => {
    await expect.poll(() => joined.length, { timeout: 15_000 }).toBe(1);
    await page.waitForSelector('xpath/.//nav//button[normalize-space()="Slå av mikrofonen"]');

    // Past the link's own expiry and one renewed token's life.
    await sleep(LINK_SECONDS * 1000 + TOKEN_SECONDS * 1000 + 500);

    const kept = await page.evaluate(() => sessionStorage.getItem('teamrom.token.demo'));

    expect(kept).not.toBe(link);
    expect(expiryOf(kept!) * 1000).toBeGreaterThan(Date.now());

    const [micOff] = await page.$$('xpath/.//nav//button[normalize-space()="Slå av mikrofonen"]');

    await micOff!.click();
    await expect.poll(() => seen.includes('paused'), { timeout: 5000 }).toBe(true);

    expect(seen.filter((s) => s !== 'paused')).toEqual(['joined']);
    expect(joined[0]).toMatchObject({ personId: 'person-kari' });
  });

  it('says, in Norwegian, that access has run out once the longest session is over', async () => {
    const sessionEnd = linkSignedAt + MAX_SESSION_SECONDS * 1000;

    await page.waitForFunction(
      () => document.body.textContent?.includes('Tilgangen din til møtet har gått ut'),
      { timeout: sessionEnd - Date.now() + 10_000 },
    );

    expect(Date.now()).toBeGreaterThanOrEqual(sessionEnd - 1000);
    // The person is still in the call: nobody saw them leave.
    expect(seen.filter((s) => s !== 'paused')).toEqual(['joined']);
  });
});
