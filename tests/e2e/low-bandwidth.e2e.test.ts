import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  QUALITY_THRESHOLDS,
  audioOnlyReportsToLift,
} from '../../signaling/src/protocol/quality.ts';
import { freePort } from '../../signaling/src/testing/ports.ts';
import { launchBrowser } from '../lib/browser.ts';
import type { LoopbackFlow, PolicedCounts } from '../lib/iptables.ts';
import { DownlinkLimit, iptablesUsable } from '../lib/iptables.ts';
import { joinDemoMeeting } from '../lib/meeting.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';
import { until } from '../lib/until.ts';

/*
 * Low-bandwidth mode on a real slow link: the patient's downlink (media server to browser) is
 * policed to about 100 kbit/s with iptables, because Chromium's DevTools throttling does not reach
 * WebRTC. The mode must turn on by itself, go on to its audio-only step while the link stays
 * limited, keep the sound clear there, and step back by itself when the link is fast again.
 *
 * A consultation of two: the sound of one other person (Opus, about 50 kbit/s on the wire with its
 * headers) and one low video layer (about 45 kbit/s) fit in 100 kbit/s on paper, but not on a
 * policed link: each video packet dropped is asked for again and again (NACK), and the
 * retransmissions push the sound out. Hence audio only. With two others talking at once, their
 * sound alone would fill the link.
 */

const PEOPLE = ['patient', 'physician'] as const;
/** The one whose downlink is slow. */
const CONSTRAINED = 0;
/** "Audio must stay clear at 100 kbps." */
const LIMIT_BITS_PER_SECOND = 100_000;
/** How often the server measures the links: its default, which the time budgets follow. */
const QUALITY_INTERVAL_MS = 2000;
/**
 * How long the server's measures (RTCP receiver reports and mediasoup's stream scores) may take to
 * show that the link changed, before the runs of reports that the advice waits for begin.
 */
const MEASURES_SETTLE_MS = 10_000;
/** The longest the mode may take to turn on: the measures, then the run of poor reports. */
const TURN_ON_BUDGET_MS =
  MEASURES_SETTLE_MS + (QUALITY_THRESHOLDS.poorReportsToAdvise + 1) * QUALITY_INTERVAL_MS;
/** The same for audio only once the mode is on: the measures, then its own run of poor reports. */
const AUDIO_ONLY_BUDGET_MS =
  MEASURES_SETTLE_MS + (QUALITY_THRESHOLDS.poorReportsToAudioOnly + 1) * QUALITY_INTERVAL_MS;
/**
 * The longest audio only may take to step back to one low layer once the link is fast again: the
 * measures, then its back-off, which depends on how often audio only has come back before.
 */
const stepBackBudgetMs = (returns: number) =>
  MEASURES_SETTLE_MS + (audioOnlyReportsToLift(returns) + 1) * QUALITY_INTERVAL_MS;
/** The same for turning off from one low layer, after its run of good reports. */
const TURN_OFF_BUDGET_MS =
  MEASURES_SETTLE_MS + (QUALITY_THRESHOLDS.betterReportsToLift + 1) * QUALITY_INTERVAL_MS;
/** How long the server may take to forward what the mode asks for once it is on. */
const APPLY_BUDGET_MS = 10_000;
/** The window over which the sound is judged. */
const AUDIO_WINDOW_MS = 10_000;
/** Clear sound: less than this share of the audio packets lost... */
const MAX_AUDIO_LOSS = 0.03;
/**
 * ...and less than this share of the samples played made up by concealment, silence left out.
 * Concealment also covers a late packet on two busy cores; the free link stays well under it.
 */
const MAX_AUDIBLE_CONCEALMENT = 0.05;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free port for the media server, outside the RTC port range (40000-49999) as it must be. */
async function freeMediaPort(): Promise<number> {
  let port = await freePort();

  while (port >= 40_000 && port <= 49_999) port = await freePort();

  return port;
}

interface AudioCounters {
  packetsReceived: number;
  packetsLost: number;
  /** Samples played in all, and those made up by concealment, and those of it that were silent. */
  totalSamplesReceived: number;
  concealedSamples: number;
  silentConcealedSamples: number;
  totalAudioEnergy: number;
}

interface ReceiveSample {
  at: number;
  /** The receive connection's selected candidate pair: the flow the policing must match. */
  pair: { protocol: string; localAddress: string; localPort: number; remotePort: number } | null;
  /** Bytes of the receive connection, as its transport counts them. */
  bytesReceived: number;
  /** Of the video received, the bytes that came again because the browser asked (NACK). */
  retransmittedBytes: number;
  /** Per remote peer, from the data-peer-id of their audio element. */
  audio: Record<string, AudioCounters>;
  /** The low-bandwidth banner's data-low-bandwidth ('auto' or 'chosen'), or 'off' without it. */
  mode: string;
  /** The banner says the pictures are paused to keep the sound clear (data-audio-only). */
  isAudioOnly: boolean;
  /** The data-spatial-layer of each remote video tile: 'none' while it is paused. */
  tileLayers: (string | null)[];
}

/** What the page receives, read from its receive connection's statistics and its DOM. */
async function sampleReceiving(page: Page): Promise<ReceiveSample> {
  const sample = await page.evaluate(async () => {
    const pcs = (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs;
    let pair: ReceiveSample['pair'] = null;
    let bytesReceived = 0;
    let retransmittedBytes = 0;
    const byTrack = new Map<string, Record<string, number>>();

    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;

      const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[];
      const inbound = stats.filter((s) => s.type === 'inbound-rtp');

      // mediasoup-client gives sending and receiving a connection each.
      if (inbound.length === 0) continue;

      const transport = stats.find((s) => s.type === 'transport');
      const selected = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      const local = stats.find((s) => s.id === selected?.localCandidateId);
      const remote = stats.find((s) => s.id === selected?.remoteCandidateId);

      if (local && remote) {
        pair = {
          protocol: String(local.protocol),
          localAddress: String(local.address),
          localPort: Number(local.port),
          remotePort: Number(remote.port),
        };
      }
      bytesReceived += Number(transport?.bytesReceived ?? 0);
      for (const s of inbound) {
        byTrack.set(String(s.trackIdentifier), s as Record<string, number>);
        retransmittedBytes += Number(s.retransmittedBytesReceived ?? 0);
      }
    }

    const audio: Record<string, AudioCounters> = {};

    document.querySelectorAll<HTMLAudioElement>('audio[data-peer-id]').forEach((element) => {
      const track = (element.srcObject as MediaStream | null)?.getAudioTracks()[0];
      const s = track ? byTrack.get(track.id) : undefined;

      if (!s) return;
      audio[element.dataset.peerId!] = {
        packetsReceived: s.packetsReceived ?? 0,
        packetsLost: s.packetsLost ?? 0,
        totalSamplesReceived: s.totalSamplesReceived ?? 0,
        concealedSamples: s.concealedSamples ?? 0,
        silentConcealedSamples: s.silentConcealedSamples ?? 0,
        totalAudioEnergy: s.totalAudioEnergy ?? 0,
      };
    });

    const banner = document.querySelector('[data-low-bandwidth]');
    const tileLayers = [...document.querySelectorAll('li[data-peer-tile]')].map((li) =>
      li.getAttribute('data-spatial-layer'),
    );

    return {
      pair,
      bytesReceived,
      retransmittedBytes,
      audio,
      mode: banner?.getAttribute('data-low-bandwidth') ?? 'off',
      isAudioOnly: banner?.getAttribute('data-audio-only') === 'true',
      tileLayers,
    };
  });

  const result = { at: Date.now(), ...sample };

  seen.push({ at: result.at, step: stepOf(result) });

  return result;
}

/** The step of the mode a sample shows: 'off', 'auto' or 'chosen', and ' audio-only'. */
const stepOf = (sample: Pick<ReceiveSample, 'mode' | 'isAudioOnly'>) =>
  sample.isAudioOnly ? `${sample.mode} audio-only` : sample.mode;

/** Every step sampled, in order, to count how often audio only came back. */
const seen: { at: number; step: string }[] = [];

/** How many times the samples saw audio only begin. */
const audioOnlyEntries = () => audioOnlyStarts().length;

/** When the samples saw audio only begin, each time. */
const audioOnlyStarts = () =>
  seen
    .filter((s, i) => s.step.endsWith('audio-only') && !seen[i - 1]?.step.endsWith('audio-only'))
    .map((s) => s.at);

/** The steps sampled since `from`, each once in a row, for the figures. */
const stepsSince = (from: number) =>
  seen
    .filter((s) => s.at >= from)
    .filter((s, i, all) => s.step !== all[i - 1]?.step)
    .map((s) => `${s.step} @${s.at - from} ms`)
    .join(' -> ');

interface AudioFigures {
  peerId: string;
  packets: number;
  loss: number;
  /** Share of the samples played that concealment made up, silence left out. */
  concealment: number;
  energy: number;
}

/** The sound from each other participant between two samples. */
function audioBetween(before: ReceiveSample, after: ReceiveSample): AudioFigures[] {
  return Object.entries(after.audio).map(([peerId, now]) => {
    const then = before.audio[peerId];

    if (!then) throw new Error('an audio stream appeared during the window');

    const packets = now.packetsReceived - then.packetsReceived;
    const lost = now.packetsLost - then.packetsLost;
    const samples = now.totalSamplesReceived - then.totalSamplesReceived;
    const audible =
      now.concealedSamples -
      now.silentConcealedSamples -
      (then.concealedSamples - then.silentConcealedSamples);

    return {
      peerId,
      packets,
      loss: lost / Math.max(1, packets + lost),
      concealment: audible / Math.max(1, samples),
      energy: now.totalAudioEnergy - then.totalAudioEnergy,
    };
  });
}

/** Checks that the sound from every other participant was clear over a window. */
function expectClearSound(figures: AudioFigures[], where: string): void {
  expect(figures, `${where}: one audio stream per other participant`).toHaveLength(
    PEOPLE.length - 1,
  );
  for (const f of figures) {
    expect(f.packets, `${where}: audio packets`).toBeGreaterThan(0);
    expect(f.loss, `${where}: audio loss`).toBeLessThan(MAX_AUDIO_LOSS);
    expect(f.concealment, `${where}: audio concealment`).toBeLessThan(MAX_AUDIBLE_CONCEALMENT);
    expect(f.energy, `${where}: audio energy`).toBeGreaterThan(0);
  }
}

const describeSound = (figures: AudioFigures[]) =>
  figures
    .map(
      (f) =>
        `audio ${f.packets} packets, loss ${percent(f.loss)}, concealment ` +
        `${percent(f.concealment)}, energy +${f.energy.toFixed(3)}`,
    )
    .join('; ');

const percent = (share: number) => `${(share * 100).toFixed(2)} %`;
const kbits = (bytes: number, ms: number) => `${((bytes * 8) / ms).toFixed(1)} kbit/s`;

/** What the policer counted between two readings. */
function countedBetween(before: PolicedCounts, after: PolicedCounts): PolicedCounts {
  return {
    packets: after.packets - before.packets,
    bytes: after.bytes - before.bytes,
    droppedPackets: after.droppedPackets - before.droppedPackets,
    droppedBytes: after.droppedBytes - before.droppedBytes,
  };
}

/** Waits for the mode to show `step` (see stepOf) in the page, and tells how long it took. */
async function modeBecomes(page: Page, step: string, timeoutMs: number) {
  const startedAt = Date.now();
  const sample = await until(`the mode to be ${step}`, timeoutMs, async () => {
    const now = await sampleReceiving(page);

    return stepOf(now) === step ? now : null;
  });

  return { sample, elapsedMs: Date.now() - startedAt };
}

/** Every remote video paused on the server, as the tiles show it: 'none' is a paused consumer. */
const allVideoPaused = (sample: ReceiveSample) =>
  sample.tileLayers.length === PEOPLE.length - 1 &&
  sample.tileLayers.every((layer) => layer === 'none');

describe('low-bandwidth mode on a downlink policed to about 100 kbit/s', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let page: Page;
  let flow: LoopbackFlow;
  let limit: DownlinkLimit | undefined;

  beforeAll(async () => {
    // Never a silent skip: npm test's set-up installs iptables.
    if (!iptablesUsable()) {
      throw new Error('iptables is not usable here: run `bash infra/setup.sh --test` as root');
    }

    const mediaPort = await freeMediaPort();

    // One worker: every connection goes to its one WebRtcServer port.
    teamrom = await startTeamrom({
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_WEBRTC_PORT: String(mediaPort),
      QUALITY_INTERVAL_MS: String(QUALITY_INTERVAL_MS),
    });
    browser = await launchBrowser();

    const pages = await joinDemoMeeting(browser, teamrom, [...PEOPLE], (p) =>
      p.setViewport({ width: 1280, height: 900 }),
    );

    page = pages[CONSTRAINED]!;

    const { pair } = await sampleReceiving(page);

    if (!pair) throw new Error('the receive connection has no selected candidate pair');
    // The policing matches UDP from the media server's one port to this connection's port.
    expect(pair.protocol).toBe('udp');
    expect(pair.remotePort).toBe(mediaPort);
    flow = { serverPort: mediaPort, clientAddress: pair.localAddress, clientPort: pair.localPort };
    limit = new DownlinkLimit(flow, LIMIT_BITS_PER_SECOND);
  });

  afterAll(async () => {
    limit?.lift();
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('has clear sound and the mode off on a free link', async () => {
    const before = await sampleReceiving(page);

    await sleep(AUDIO_WINDOW_MS);

    const after = await sampleReceiving(page);
    const windowMs = after.at - before.at;
    const figures = audioBetween(before, after);

    console.info(
      `free link: received ${kbits(after.bytesReceived - before.bytesReceived, windowMs)}; ` +
        describeSound(figures),
    );
    expect(after.mode).toBe('off');
    expectClearSound(figures, 'free link');
  });

  it('turns on by itself once the downlink stays poor', async () => {
    limit!.apply();

    const { sample, elapsedMs } = await modeBecomes(page, 'auto', TURN_ON_BUDGET_MS);
    const counts = limit!.counts();

    console.info(
      `turned on by itself ${elapsedMs} ms after the limit (budget ${TURN_ON_BUDGET_MS} ms); ` +
        `the policer dropped ${counts.droppedPackets} of ${counts.packets} packets meanwhile`,
    );
    expect(sample.mode).toBe('auto');
    // One step at a time: one low layer first, audio only only after more poor reports.
    expect(sample.isAudioOnly).toBe(false);
    expect(audioOnlyEntries()).toBe(0);
    expect(elapsedMs).toBeLessThan(TURN_ON_BUDGET_MS);
  });

  it('goes on to audio only while the link stays limited, and keeps the sound clear there', async () => {
    const stepStartedAt = Date.now();
    const { elapsedMs } = await modeBecomes(page, 'auto audio-only', AUDIO_ONLY_BUDGET_MS);
    const paused = await until('every video paused', APPLY_BUDGET_MS, async () => {
      const sample = await sampleReceiving(page);

      return allVideoPaused(sample) ? sample : null;
    });

    console.info(
      `audio only ${elapsedMs} ms after the mode was on (budget ${AUDIO_ONLY_BUDGET_MS} ms); ` +
        `every video paused ${paused.at - stepStartedAt - elapsedMs} ms later; tiles ` +
        `${JSON.stringify(paused.tileLayers)}`,
    );
    expect(elapsedMs).toBeLessThan(AUDIO_ONLY_BUDGET_MS);

    const before = await sampleReceiving(page);
    const countsBefore = limit!.counts();
    const during: ReceiveSample[] = [];

    // Watched all along: the window counts only if audio only held throughout.
    while (Date.now() - before.at < AUDIO_WINDOW_MS) {
      await sleep(1000);
      during.push(await sampleReceiving(page));
    }

    const after = during.at(-1)!;
    const policed = countedBetween(countsBefore, limit!.counts());
    const windowMs = after.at - before.at;
    const figures = audioBetween(before, after);

    console.info(
      `audio only over ${windowMs} ms: received ` +
        `${kbits(after.bytesReceived - before.bytesReceived, windowMs)} (video retransmissions ` +
        `${kbits(after.retransmittedBytes - before.retransmittedBytes, windowMs)}); on the wire offered ` +
        `${kbits(policed.bytes, windowMs)}, passed ` +
        `${kbits(policed.bytes - policed.droppedBytes, windowMs)}, dropped ` +
        `${policed.droppedPackets} of ${policed.packets} packets; tiles ` +
        `${JSON.stringify(after.tileLayers)}; ${describeSound(figures)}`,
    );
    // The limit applied all along: the connection kept the policed pair, and audio only held.
    expect(after.pair).toEqual(before.pair);
    expect(after.pair?.localPort).toBe(flow.clientPort);
    expect(policed.packets).toBeGreaterThan(0);
    for (const sample of during) {
      expect(stepOf(sample)).toBe('auto audio-only');
      expect(allVideoPaused(sample), JSON.stringify(sample.tileLayers)).toBe(true);
    }
    expectClearSound(figures, 'in audio only');
  });

  it('does not cycle on the still-limited link: a failed trial of one low layer doubles the wait', async () => {
    const [firstStart] = audioOnlyStarts();
    // The first wait is counted in good reports, which may begin as soon as the video is paused.
    const trial = await modeBecomes(page, 'auto', firstStart! + stepBackBudgetMs(0) - Date.now());
    const firstHoldMs = trial.sample.at - firstStart!;
    const soundBefore = trial.sample;
    const back = await modeBecomes(page, 'auto audio-only', AUDIO_ONLY_BUDGET_MS);
    const trialSound = audioBetween(soundBefore, back.sample);
    const secondStart = audioOnlyStarts()[1]!;
    // Watched for as long as the doubled wait must last at least: one report may be under way.
    const minimumHoldMs = (audioOnlyReportsToLift(1) - 1) * QUALITY_INTERVAL_MS;
    const held: ReceiveSample[] = [];

    while (Date.now() - secondStart < minimumHoldMs) {
      await sleep(1000);
      held.push(await sampleReceiving(page));
    }

    console.info(
      `under the limit: audio only held ${firstHoldMs} ms (at least ` +
        `${(audioOnlyReportsToLift(0) - 1) * QUALITY_INTERVAL_MS} ms), the trial of one low layer ` +
        `lasted ${back.elapsedMs} ms (${describeSound(trialSound)}), then audio only again held ` +
        `${Date.now() - secondStart} ms and counting (at least ${minimumHoldMs} ms); steps ` +
        `${stepsSince(firstStart!)}`,
    );
    expect(firstHoldMs).toBeGreaterThanOrEqual(
      (audioOnlyReportsToLift(0) - 1) * QUALITY_INTERVAL_MS,
    );
    expect(back.elapsedMs).toBeLessThan(AUDIO_ONLY_BUDGET_MS);
    expect(audioOnlyEntries()).toBe(2);
    for (const sample of held) {
      expect(stepOf(sample)).toBe('auto audio-only');
      expect(allVideoPaused(sample), JSON.stringify(sample.tileLayers)).toBe(true);
    }
  });

  it('steps back by itself once the limit is lifted: one low layer, then off', async () => {
    // Audio only began once per entry the samples saw; the back-off counts the returns after it.
    const returns = audioOnlyEntries() - 1;
    const stepBackBudgetMsNow = stepBackBudgetMs(returns);
    const liftedAt = Date.now();

    limit!.lift();

    const stepBack = await modeBecomes(page, 'auto', stepBackBudgetMsNow);
    const oneLayer = await until('one video forwarded again', APPLY_BUDGET_MS, async () => {
      const sample = await sampleReceiving(page);

      return stepOf(sample) !== 'auto' || !allVideoPaused(sample) ? sample : null;
    });
    const off = await modeBecomes(page, 'off', TURN_OFF_BUDGET_MS);
    const videos = await until('every video forwarded again', APPLY_BUDGET_MS, async () => {
      const { tileLayers } = await sampleReceiving(page);

      return tileLayers.every((layer) => layer !== null && layer !== 'none') ? tileLayers : null;
    });

    console.info(
      `audio only came back ${returns} times before; after the limit was lifted it stepped back ` +
        `to one low layer in ${stepBack.elapsedMs} ms (budget ${stepBackBudgetMsNow} ms; tiles ` +
        `${JSON.stringify(oneLayer.tileLayers)}), then off in ${off.elapsedMs} ms (budget ` +
        `${TURN_OFF_BUDGET_MS} ms); tiles ${JSON.stringify(videos)}; steps ${stepsSince(liftedAt)}`,
    );
    // Once at first, once after the failed trial, and not again since.
    expect(returns).toBe(1);
    expect(stepBack.elapsedMs).toBeLessThan(stepBackBudgetMsNow);
    expect(off.elapsedMs).toBeLessThan(TURN_OFF_BUDGET_MS);
  });
});
