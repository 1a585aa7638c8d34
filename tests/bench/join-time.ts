/**
 * Time from opening the meeting page to the first decoded remote video frame, over repeated joins
 * in headless Chromium. A coordinator stays in the meeting sending video; a physician joins, is
 * timed, and leaves, JOINS times (default 10).
 *
 *   node --import tsx tests/bench/join-time.ts        (or: npm run bench)
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { launchBrowser } from '../lib/browser.ts';
import { REPO_ROOT, startTeamrom } from '../lib/teamrom.ts';

const JOINS = Number(process.env.JOINS ?? 10);

// Runs in the page from its first script on: polls getStats until a remote frame is decoded and
// keeps that moment, in milliseconds since navigation began. Kept as text so that no build step
// of this script can wrap it in helpers the page does not have.
const FIRST_FRAME_PROBE = `{
  const Original = window.RTCPeerConnection;
  const pcs = [];
  window.RTCPeerConnection = function (config) {
    const pc = new Original(config);
    pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  const poll = async () => {
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) {
          window.__firstFrameMs = performance.now();
          return;
        }
      }
    }
    setTimeout(poll, 10);
  };
  poll();
}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const teamrom = await startTeamrom();
const browser = await launchBrowser();

try {
  const links = await teamrom.demoLinks();
  const link = (role: string) => `${links.find((l) => l.role === role)!.url}&precheck=0`;
  const host = await (await browser.createBrowserContext()).newPage();

  await host.goto(link('coordinator'));
  await host.waitForSelector('.tile.self video');

  const times: number[] = [];

  for (let i = 0; i < JOINS; i++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();

    await page.evaluateOnNewDocument(FIRST_FRAME_PROBE);
    await page.goto(link('physician'));
    await page.waitForFunction('window.__firstFrameMs !== undefined', { timeout: 30_000 });

    const ms = (await page.evaluate('window.__firstFrameMs')) as number;

    times.push(Math.round(ms));
    process.stderr.write(`join ${i + 1}/${JOINS}: ${Math.round(ms)} ms\n`);
    await context.close();
    // Let the server see the departure before the same person joins again.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const sorted = [...times].sort((a, b) => a - b);
  const result = {
    benchmark: 'join-to-first-frame',
    joins: JOINS,
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    worstMs: sorted.at(-1),
    timesMs: times,
    machine: { cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })
      .toString()
      .trim(),
    at: new Date().toISOString(),
  };
  const dir = path.join(REPO_ROOT, 'bench-results');

  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'join-time.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(
    `join to first decoded remote frame over ${JOINS} joins: median ${result.medianMs} ms, ` +
      `p95 ${result.p95Ms} ms, worst ${result.worstMs} ms`,
  );
} finally {
  await browser.cleanup();
  await teamrom.stop();
}
