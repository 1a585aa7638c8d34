import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserOptions {
  /**
   * A WAV file (16-bit PCM) the fake microphone plays, over and over, instead of Chromium's beep.
   * It holds for the whole browser process, so a test giving people different sounds launches
   * one browser for each of them.
   */
  fakeAudioFile?: string;
}

/**
 * Headless Chromium with a fake camera and microphone. Loopback must be allowed for WebRTC, or a
 * machine whose only address is 127.0.0.1 never connects; background networking is off because
 * this machine has no route to Google's services.
 */
export async function launchBrowser(
  options: BrowserOptions = {},
): Promise<Browser & { cleanup(): Promise<void> }> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-chromium-'));
  const fakeAudio = options.fakeAudioFile
    ? [`--use-file-for-fake-audio-capture=${options.fakeAudioFile}`]
    : [];
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      ...fakeAudio,
    ],
  });

  return Object.assign(browser, {
    async cleanup() {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  });
}

let pagesLogged = 0;

/**
 * With E2E_BROWSER_LOG_DIR set, writes what the page prints and every error it throws to a file
 * of its own there, to understand a failure that happens once in many runs.
 */
async function keepConsole(page: Page): Promise<void> {
  const dir = process.env.E2E_BROWSER_LOG_DIR;

  if (!dir) return;

  const file = path.join(dir, `${process.pid}-${++pagesLogged}.log`);
  const write = (line: string) =>
    void appendFile(file, `${new Date().toISOString()} ${line}\n`).catch(() => {});

  page.on('console', (message) => write(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => write(`page error: ${String(error)}`));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) write(`navigated: ${frame.url().replace(/\?.*/, '')}`);
  });

  // The signalling as the page saw it, its tokens left out.
  const cdp = await page.createCDPSession();
  const frame = (way: string) => (event: { response: { payloadData: string } }) =>
    write(
      `${way} ${event.response.payloadData.replace(/"[^"]*token[^"]*":"[^"]*"/gi, '"token":"…"').slice(0, 400)}`,
    );

  await cdp.send('Network.enable');
  cdp.on('Network.webSocketFrameSent', frame('>>'));
  cdp.on('Network.webSocketFrameReceived', frame('<<'));
  cdp.on('Network.webSocketClosed', () => write('websocket closed'));
  cdp.on('Network.webSocketCreated', () => write('websocket created'));
}

/**
 * Keeps every RTCPeerConnection the page creates in window.__teamromPcs, so that the test can read
 * getStats() without the application exposing anything for it.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await keepConsole(page);
  await page.evaluateOnNewDocument(() => {
    const Original = window.RTCPeerConnection;
    const pcs: RTCPeerConnection[] = [];

    (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs = pcs;

    const Recording = function (this: unknown, config?: RTCConfiguration) {
      const pc = new Original(config);

      pcs.push(pc);

      return pc;
    } as unknown as typeof RTCPeerConnection;

    Recording.prototype = Original.prototype;
    Object.setPrototypeOf(Recording, Original);
    window.RTCPeerConnection = Recording;
  });
}

export interface MediaSample {
  /**
   * Per remote peer (from data-peer-id): frames decoded, audio packets received, and the total
   * energy of the audio received (WebRTC's totalAudioEnergy: zero for silence).
   */
  peers: Record<string, { framesDecoded: number; audioPackets: number; audioEnergy: number }>;
  /** The page's own video layers as sent: rid and frames encoded. */
  layers: { rid: string; framesEncoded: number; frameHeight: number }[];
}

/** Reads the page's WebRTC statistics, matched to the remote peers' media elements. */
export async function sampleMedia(page: Page): Promise<MediaSample> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs;
    const inbound = new Map<
      string,
      { framesDecoded?: number; packetsReceived?: number; totalAudioEnergy?: number }
    >();
    const layers: { rid: string; framesEncoded: number; frameHeight: number }[] = [];

    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;

      const report = await pc.getStats();

      report.forEach((s) => {
        if (s.type === 'inbound-rtp') inbound.set(s.trackIdentifier, s);
        if (s.type === 'outbound-rtp' && s.kind === 'video') {
          layers.push({
            rid: s.rid ?? '',
            framesEncoded: s.framesEncoded ?? 0,
            frameHeight: s.frameHeight ?? 0,
          });
        }
      });
    }

    const peers: Record<
      string,
      { framesDecoded: number; audioPackets: number; audioEnergy: number }
    > = {};

    document.querySelectorAll<HTMLMediaElement>('[data-peer-id]').forEach((element) => {
      const peerId = element.dataset.peerId!;
      const track = (element.srcObject as MediaStream | null)?.getTracks()[0];
      const stats = track ? inbound.get(track.id) : undefined;
      const entry = (peers[peerId] ??= { framesDecoded: 0, audioPackets: 0, audioEnergy: 0 });

      if (element instanceof HTMLVideoElement) {
        entry.framesDecoded = stats?.framesDecoded ?? 0;
      } else {
        entry.audioPackets = stats?.packetsReceived ?? 0;
        entry.audioEnergy = stats?.totalAudioEnergy ?? 0;
      }
    });

    return { peers, layers };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once every remote video and audio on the page is flowing (counters rising). */
export async function mediaFlowing(page: Page, peers: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = await sampleMedia(page);

  for (;;) {
    await sleep(500);

    const after = await sampleMedia(page);
    const ids = Object.keys(after.peers);
    const rising = ids.filter((id) => {
      const then = before.peers[id];
      const now = after.peers[id]!;

      return then && now.framesDecoded > then.framesDecoded && now.audioPackets > then.audioPackets;
    });

    if (ids.length === peers && rising.length === peers) return;
    if (Date.now() > deadline) throw new Error(`media not flowing: ${JSON.stringify(after.peers)}`);
    before = after;
  }
}
