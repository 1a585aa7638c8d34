import { readFile } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser } from '../lib/browser.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * The media server announces 127.0.0.2 while it listens on 127.0.0.1 only: the browser's checks go
 * to an address where nothing answers, as for a patient behind a firewall that blocks media. The
 * page must say so, and keep trying, instead of hanging silently.
 */
describe('a participant whose media cannot connect', () => {
  let teamrom: TeamromProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    teamrom = await startTeamrom({ MEDIASOUP_ANNOUNCED_IP: '127.0.0.2' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('is told in plain words after 15 seconds, while the meeting page stays usable', async () => {
    const links = await teamrom.demoLinks();
    const page = await browser.newPage();

    await page.goto(`${links.find((l) => l.role === 'nurse')!.url}&precheck=0`);
    await page.waitForFunction(() => document.body.textContent?.includes('Tiltak'), {
      timeout: 10_000,
    });

    const shownAt = Date.now();
    const banner = await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.banners .warn')]
          .map((p) => p.textContent ?? '')
          .find((text) => text.includes('lang tid på å koble til')) ?? false,
      { timeout: 30_000, polling: 250 },
    );

    console.info(`slow-media message shown ${Date.now() - shownAt} ms after the plan appeared`);
    expect(await banner.jsonValue()).toContain('Vi prøver på nytt');
    expect(await page.$('nav.controls button.danger')).not.toBeNull();
    await expect
      .poll(async () => (await readFile(teamrom.logFile, 'utf8')).includes('"msg":"ICE restarted"'))
      .toBe(true);
  });
});
