import { readFile } from 'node:fs/promises';

import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser } from '../lib/browser.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * The connection check before a meeting sends a small test video through a check of its own on the
 * media server, as a meeting would send the camera, and asks the server whether it arrived. Once
 * where it does, and once where the media server announces 127.0.0.2 while it listens on 127.0.0.1
 * only: the browser reaches Teamrom but its media goes where nothing answers, as behind a firewall
 * that lets web pages through and blocks video calls.
 */

type Browser = Awaited<ReturnType<typeof launchBrowser>>;

/** The patient opens her demo link (with the pre-call check) and waits for the connection check. */
async function connectionCheckOf(teamrom: TeamromProcess, browser: Browser) {
  const links = await teamrom.demoLinks();
  const page: Page = await browser.newPage();
  const startedAt = Date.now();

  await page.goto(links.find((l) => l.role === 'patient')!.url);
  await page.waitForFunction(
    () =>
      !['checking', undefined].includes(
        document.querySelector<HTMLElement>('[data-check="connection"]')?.dataset.result,
      ),
    { timeout: 45_000, polling: 250 },
  );

  const check = await page.$eval('[data-check="connection"]', (section) => ({
    result: (section as HTMLElement).dataset.result,
    text: section.textContent ?? '',
  }));

  console.info(`connection check: ${check.result} after ${Date.now() - startedAt} ms`);

  return check;
}

/** The server's JSON log lines with the given message. */
async function logged(teamrom: TeamromProcess, msg: string) {
  return (await readFile(teamrom.logFile, 'utf8'))
    .split('\n')
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the connection check, where media gets through', () => {
  let teamrom: TeamromProcess;
  let browser: Browser;

  beforeAll(async () => {
    teamrom = await startTeamrom();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('passes once the media server has received the test video, and closes the check', async () => {
    const check = await connectionCheckOf(teamrom, browser);

    expect(check.result).toBe('ok');
    expect(check.text).toContain('bilde og lyd kommer fram');
    expect(await logged(teamrom, 'connection check measured')).toMatchObject([
      { isConnected: true, hasMediaArrived: true, dtlsState: 'connected' },
    ]);
    await expect.poll(() => logged(teamrom, 'connection check closed')).toHaveLength(1);
  });
});

describe('the connection check, where media cannot get through', () => {
  let teamrom: TeamromProcess;
  let browser: Browser;

  beforeAll(async () => {
    teamrom = await startTeamrom({ MEDIASOUP_ANNOUNCED_IP: '127.0.0.2' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('says in plain words that the network blocks video calls, and what to do', async () => {
    const check = await connectionCheckOf(teamrom, browser);

    // Teamrom itself was reached: it is the media that is blocked.
    expect(check.result).toBe('mediaBlocked');
    expect(check.text).toContain('stopper videosamtaler');
    expect(check.text).toContain('Prøv et annet nett');
    expect(check.text).toContain('Prøv igjen');
    await expect.poll(() => logged(teamrom, 'connection check closed')).toHaveLength(1);
  });
});
