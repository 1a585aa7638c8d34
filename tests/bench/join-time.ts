/**
 * Time from opening the meeting page to the first decoded remote video frame, over repeated joins
 * in headless Chromium. A coordinator stays in the meeting sending video; a physician joins, is
 * timed, and leaves, 20 times (2 at smoke size).
 */
import type { BenchOptions } from './lib/report.ts';
import { percentile, sleep, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { launchBrowser } from '../lib/browser.ts';
import { startTeamrom } from '../lib/teamrom.ts';

const SIZES = { full: { joins: 20 }, smoke: { joins: 2 } };

// Runs in the page from its first script on: polls getStats until a remote frame is decoded and
// keeps that moment, in milliseconds since navigation began. Kept as text so that no build step
// of this script can wrap it in helpers the page does not have (tsx adds __name to functions).
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

export interface JoinTimeResult extends ReturnType<typeof stamp> {
  benchmark: 'join-to-first-frame';
  summary: string;
  joins: number;
  p50Ms: number;
  p95Ms: number;
  bestMs: number;
  worstMs: number;
  /** Each join in order. */
  timesMs: number[];
}

export async function benchJoinTime(options: BenchOptions): Promise<JoinTimeResult> {
  const { joins } = options.smoke ? SIZES.smoke : SIZES.full;
  const teamrom = await startTeamrom();
  const browser = await launchBrowser();
  const times: number[] = [];

  try {
    const links = await teamrom.demoLinks();
    const link = (role: string) => `${links.find((l) => l.role === role)!.url}&precheck=0`;
    const host = await (await browser.createBrowserContext()).newPage();

    await host.goto(link('coordinator'));
    await host.waitForSelector('.tile.self video');

    for (let i = 0; i < joins; i++) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();

      await page.evaluateOnNewDocument(FIRST_FRAME_PROBE);
      await page.goto(link('physician'));
      await page.waitForFunction('window.__firstFrameMs !== undefined', { timeout: 30_000 });

      const ms = Math.round((await page.evaluate('window.__firstFrameMs')) as number);

      times.push(ms);
      process.stderr.write(`[join-time] join ${i + 1}/${joins}: ${ms} ms\n`);
      await context.close();
      // Let the server see the departure before the same person joins again.
      await sleep(300);
    }
  } finally {
    await browser.cleanup();
    await teamrom.stop();
  }

  const sorted = [...times].sort((a, b) => a - b);
  const result: JoinTimeResult = {
    benchmark: 'join-to-first-frame',
    summary:
      `opening the page to the first decoded remote frame over ${joins} joins: ` +
      `p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms, ` +
      `worst ${sorted.at(-1)} ms`,
    ...stamp(options.smoke),
    joins,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    bestMs: sorted[0]!,
    worstMs: sorted.at(-1)!,
    timesMs: times,
  };

  await writeResult(options.outDir, 'join-time', result, joinTimeChart(result));

  return result;
}

function joinTimeChart(result: JoinTimeResult): string {
  return chart({
    title: 'Joining: page opened to first decoded remote video frame',
    subtitle: `Headless Chromium with a fake camera, ${result.joins} joins one after another.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: `Over ${result.joins} joins`,
        unit: 'ms',
        bars: [
          { label: 'p50', value: result.p50Ms },
          { label: 'p95', value: result.p95Ms },
          { label: 'fastest', value: result.bestMs, color: COLORS.neutral },
          { label: 'slowest', value: result.worstMs, color: COLORS.bare },
        ],
      },
      {
        kind: 'line',
        title: 'Each join in turn',
        xLabel: 'join number',
        yLabel: 'ms',
        series: [
          {
            name: 'page opened to first frame',
            color: COLORS.teamrom,
            points: result.timesMs.map((y, i) => ({ x: i + 1, y })),
          },
        ],
      },
    ],
  });
}
