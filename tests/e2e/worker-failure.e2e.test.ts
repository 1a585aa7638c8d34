import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser, mediaFlowing, sampleMedia } from '../lib/browser.ts';
import { joinDemoMeeting } from '../lib/meeting.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/** The pid of the mediasoup worker that has used the most CPU: the one carrying the meeting. */
async function busiestWorkerPid(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const workers = [
    ...text.matchAll(/^teamrom_media_worker_cpu_seconds_total\{pid="(\d+)"\} (\S+)$/gm),
  ]
    .map((m) => ({ pid: Number(m[1]), cpu: Number(m[2]) }))
    .sort((a, b) => b.cpu - a.cpu);

  if (!workers[0]) throw new Error('no worker in /metrics');

  return workers[0].pid;
}

describe('a meeting whose mediasoup worker dies', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let pages: Page[] = [];

  beforeAll(async () => {
    teamrom = await startTeamrom({ MEDIASOUP_WORKERS: '2' });
    browser = await launchBrowser();

    pages = await joinDemoMeeting(browser, teamrom, ['coordinator', 'nurse']);
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('moves to a live worker and the same participants see and hear each other again', async () => {
    const peersBefore = await Promise.all(
      pages.map(async (p) => Object.keys((await sampleMedia(p)).peers)),
    );
    const pid = await busiestWorkerPid(teamrom.url);

    process.kill(pid, 'SIGKILL');

    const killedAt = Date.now();

    await Promise.all(pages.map((page) => mediaFlowing(page, 1, 20_000)));

    const elapsedMs = Date.now() - killedAt;

    console.info(`media flowing again ${elapsedMs} ms after the worker was killed`);

    const peersAfter = await Promise.all(
      pages.map(async (p) => Object.keys((await sampleMedia(p)).peers)),
    );

    expect(peersAfter).toEqual(peersBefore);
    expect((await fetch(`${teamrom.url}/healthz`)).status).toBe(200);
    expect(await busiestWorkerPid(teamrom.url)).not.toBe(pid);
    // The aim is 3 s. Measured on a shared two-core machine: 1.6-1.9 s when quiet, 3.5 s under
    // load; about a second of that is the measuring (each page samples every half second and
    // needs two rising samples). Asserted generously so that load alone does not fail it.
    expect(elapsedMs).toBeLessThan(6000);
  });
});
