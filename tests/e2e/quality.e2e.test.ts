import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser, recordPeerConnections } from '../lib/browser.ts';
import { clickButton } from '../lib/meeting.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';
import { until } from '../lib/until.ts';

/*
 * What a participant receives and how well, in Chromium: screen sharing by someone with neither
 * camera nor microphone, the layer each tile asks for, and low-bandwidth mode as a user picks it.
 * The speaker's mark is tested in active-speaker.e2e.test.ts, and low-bandwidth mode turning on
 * by itself on a constrained downlink in low-bandwidth.e2e.test.ts.
 */

const PEOPLE = ['patient', 'coordinator', 'physician'] as const;
type Person = (typeof PEOPLE)[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Signals {
  screensOpened: string[];
  screensClosed: string[];
  /** The most screen producers of one person open at the same time, as notices tell it. */
  mostOpen: number;
  sent: Record<string, unknown[]>;
}

/** Counts the Socket.io events about screens the page hears, and the requests it sends. */
async function countSignals(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const signals: Signals = {
      screensOpened: [],
      screensClosed: [],
      mostOpen: 0,
      sent: {},
    };
    const open = new Map<string, string>();
    const Original = window.WebSocket;
    const parse = (data: unknown, prefix: RegExp) => {
      if (typeof data !== 'string' || !prefix.test(data)) return null;
      try {
        return JSON.parse(data.replace(prefix, '')) as [string, Record<string, string>];
      } catch {
        return null;
      }
    };

    (window as unknown as { __signals: Signals }).__signals = signals;

    class Counting extends Original {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (event) => {
          const [name, payload] = parse(event.data, /^42/) ?? [];

          if (name === 'producer:new' && payload?.source === 'screen') {
            signals.screensOpened.push(payload.producerId!);
            open.set(payload.producerId!, payload.peerId!);

            const mine = [...open.values()].filter((peerId) => peerId === payload.peerId);

            signals.mostOpen = Math.max(signals.mostOpen, mine.length);
          }
          if (name === 'producer:closed' && open.delete(payload!.producerId!)) {
            signals.screensClosed.push(payload!.producerId!);
          }
        });
      }

      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        const [name, payload] = parse(data, /^42\d*/) ?? [];

        if (name) (signals.sent[name] ??= []).push(payload);

        super.send(data);
      }
    }

    window.WebSocket = Counting;
  });
}

const signalsOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { __signals: Signals }).__signals);

interface Inbound {
  /** Per remote peer, from data-peer-id: audio packets, lost, energy; video frame height. */
  audio: Record<string, { packets: number; lost: number; energy: number }>;
  frameHeights: Record<string, number>;
}

/** Inbound statistics matched to the media elements of the page, by data-peer-id. */
async function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs;
    const byTrack = new Map<string, Record<string, number>>();

    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp') byTrack.set(s.trackIdentifier, s);
      });
    }

    const result: Inbound = { audio: {}, frameHeights: {} };

    document.querySelectorAll<HTMLMediaElement>('[data-peer-id]').forEach((element) => {
      const track = (element.srcObject as MediaStream | null)?.getTracks()[0];
      const s = track ? byTrack.get(track.id) : undefined;
      const peerId = element.dataset.peerId!;

      if (!s) return;
      if (element instanceof HTMLVideoElement) result.frameHeights[peerId] = s.frameHeight ?? 0;
      else {
        result.audio[peerId] = {
          packets: s.packetsReceived ?? 0,
          lost: s.packetsLost ?? 0,
          energy: s.totalAudioEnergy ?? 0,
        };
      }
    });

    return result;
  });
}

describe('quality of a meeting in Chromium', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  const pages = {} as Record<Person, Page>;
  const peerIds = {} as Record<Person, string>;
  let links: Awaited<ReturnType<TeamromProcess['demoLinks']>>;

  beforeAll(async () => {
    teamrom = await startTeamrom({ QUALITY_INTERVAL_MS: '1000' });
    browser = await launchBrowser();

    links = await teamrom.demoLinks();

    for (const person of PEOPLE) {
      const page = await (await browser.createBrowserContext()).newPage();

      await page.setViewport({ width: 1280, height: 900 });
      await recordPeerConnections(page);
      await countSignals(page);

      await page.goto(`${links.find((l) => l.role === person)!.url}&precheck=0`);
      pages[person] = page;
    }

    for (const person of PEOPLE) {
      const others = 2;

      await until(`${person} to receive media`, 45_000, async () => {
        const { audio, frameHeights } = await inbound(pages[person]);
        const heights = Object.values(frameHeights).filter((h) => h > 0);

        return Object.keys(audio).length === others && heights.length === others ? true : null;
      });
    }

    const ids = await pages.patient.$$eval('li[data-peer-tile]', (tiles) =>
      tiles.map((t) => [t.getAttribute('data-peer-tile'), t.textContent ?? '']),
    );

    peerIds.coordinator = ids.find(([, text]) => text?.includes('Kari Nordmann'))![0]!;
    peerIds.physician = ids.find(([id]) => id !== peerIds.coordinator)![0]!;
    peerIds.patient = await pages.coordinator.$$eval(
      'li[data-peer-tile]',
      (tiles, physician) =>
        tiles.map((t) => t.getAttribute('data-peer-tile')).find((id) => id !== physician)!,
      peerIds.physician,
    );
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('lets a participant with neither camera nor microphone share the screen ten times in a row', async () => {
    const { coordinator } = pages;
    // A nurse whose computer has no camera and no microphone: the screen is the first and only
    // thing the send transport carries.
    const nurse = await (await browser.createBrowserContext()).newPage();

    await nurse.evaluateOnNewDocument(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('no devices', 'NotFoundError'));
    });
    await countSignals(nurse);
    await nurse.goto(`${links.find((l) => l.role === 'nurse')!.url}&precheck=0`);
    await nurse.waitForSelector('xpath/.//nav//button[normalize-space()="Del skjermen"]', {
      timeout: 30_000,
    });

    const nurseId = await until('the nurse to appear for the coordinator', 20_000, async () => {
      const ids = await coordinator.$$eval('li[data-peer-tile]', (tiles) =>
        tiles.map((t) => t.getAttribute('data-peer-tile')!),
      );

      return ids.find((id) => !Object.values(peerIds).includes(id)) ?? null;
    });
    const screenTile = `li[data-screen-of="${nurseId}"]`;
    const timings: number[] = [];

    for (let round = 1; round <= 10; round++) {
      const startedAt = Date.now();

      await clickButton(nurse, 'Del skjermen');
      await coordinator.waitForFunction(
        (selector) => {
          const video = document.querySelector<HTMLVideoElement>(`${selector} video`);

          return video !== null && video.videoWidth > 0;
        },
        { timeout: 20_000 },
        screenTile,
      );
      timings.push(Date.now() - startedAt);
      await clickButton(nurse, 'Slutt å dele');
      await coordinator.waitForFunction(
        (selector) => !document.querySelector(selector),
        { timeout: 10_000 },
        screenTile,
      );
    }

    const seen = await until('the last close to be told', 5000, async () => {
      const s = await signalsOf(coordinator);

      return s.screensClosed.length >= 10 ? s : null;
    });
    const sentByNurse = (await signalsOf(nurse)).sent;

    await clickButton(nurse, 'Forlat møtet');
    await coordinator.waitForFunction(
      (id) => !document.querySelector(`li[data-peer-tile="${id}"]`),
      { timeout: 10_000 },
      nurseId,
    );
    await nurse.close();

    console.info(
      `screen share: ${seen.screensOpened.length} opened, ${seen.screensClosed.length} closed, ` +
        `at most ${seen.mostOpen} open at once; picture shown after ${timings.join(', ')} ms`,
    );
    expect(seen.screensOpened).toHaveLength(10);
    expect(new Set(seen.screensOpened).size).toBe(10);
    expect(seen.screensClosed).toEqual(seen.screensOpened);
    expect(seen.mostOpen).toBe(1);
    // The screen goes on the one send transport there is.
    expect(
      sentByNurse['media:createTransport']!.filter(
        (p) => (p as { direction: string }).direction === 'send',
      ),
    ).toHaveLength(1);
    expect(sentByNurse['media:closeProducer']).toHaveLength(10);
  });

  it('asks for a small layer for a thumbnail and a large one for the main tile', async () => {
    const { patient } = pages;
    const sent = async () => (await signalsOf(patient)).sent['media:setPreferredLayers'] ?? [];
    const before = (await sent()).length;

    await clickButton(patient, 'Vis den som snakker stort');

    const tiles = await until('the speaker view to be forwarded as asked', 20_000, async () => {
      const shown = await patient.$$eval('.speaker-view li[data-peer-tile]', (lis) =>
        lis.map((li) => ({
          peerId: li.getAttribute('data-peer-tile')!,
          role: li.getAttribute('data-tile-role'),
          layer: li.getAttribute('data-spatial-layer'),
          height: Math.round(li.getBoundingClientRect().height),
        })),
      );
      const main = shown.find((t) => t.role === 'main');
      const thumbnail = shown.find((t) => t.role === 'thumbnail');

      return main?.layer === '2' && thumbnail?.layer === '0' ? { main, thumbnail } : null;
    });
    const heights = await until('frame heights to follow the layers', 20_000, async () => {
      const { frameHeights } = await inbound(patient);
      const main = frameHeights[tiles.main.peerId] ?? 0;
      const thumbnail = frameHeights[tiles.thumbnail.peerId] ?? 0;

      return main >= 720 && thumbnail > 0 && thumbnail <= 180 ? { main, thumbnail } : null;
    });
    const requests = (await sent()).slice(before);

    console.info(
      `speaker view: main tile ${tiles.main.height} px tall gets layer ${tiles.main.layer} ` +
        `(${heights.main} px frames), thumbnail ${tiles.thumbnail.height} px gets layer ` +
        `${tiles.thumbnail.layer} (${heights.thumbnail} px); ${requests.length} layer requests`,
    );
    expect(requests).toContainEqual(expect.objectContaining({ spatialLayer: 0 }));
    expect(requests).toContainEqual(expect.objectContaining({ spatialLayer: 2 }));

    await clickButton(patient, 'Vis alle like store');
  });

  it('in low-bandwidth mode pauses every video but the main one, and the sound keeps coming', async () => {
    const { patient } = pages;

    // NOTE: DevTools' Network.emulateNetworkConditions does not reach WebRTC in Chromium 156
    // (media kept 720p frames and no loss under a 100 kbit/s throttle), so the switch is made
    // by hand here; the automatic one is covered by LowBandwidth.test.ts and the server's
    // mediaQuality.int.test.ts.
    await clickButton(patient, 'Sparemodus for svak forbindelse');
    await patient.waitForSelector('[data-low-bandwidth="chosen"]');

    const layers = await until(
      'the others paused and the main one at layer 0',
      20_000,
      async () => {
        const tiles = await patient.$$eval('li[data-peer-tile]', (lis) =>
          lis.map((li) => ({
            role: li.getAttribute('data-tile-role'),
            layer: li.getAttribute('data-spatial-layer'),
          })),
        );
        // The main tile follows the speaker, so which one it is may change meanwhile.
        const forwarded = tiles.filter((t) => t.layer !== 'none');

        return forwarded.length === 1 && forwarded[0]!.layer === '0' ? tiles : null;
      },
    );

    await sleep(2000);

    const before = await inbound(patient);

    await sleep(5000);

    const after = await inbound(patient);
    const figures = Object.entries(after.audio).map(([peerId, now]) => {
      const then = before.audio[peerId]!;
      const packets = now.packets - then.packets;
      const lost = now.lost - then.lost;

      return {
        peerId,
        packets,
        lossRate: lost / Math.max(1, packets + lost),
        energy: now.energy - then.energy,
      };
    });

    console.info(
      `low-bandwidth mode: tiles ${JSON.stringify(layers)}; audio over 5 s: ` +
        JSON.stringify(figures),
    );
    expect(figures).toHaveLength(2);
    for (const figure of figures) {
      expect(figure.packets, `audio packets from ${figure.peerId}`).toBeGreaterThan(150);
      expect(figure.lossRate, `audio loss from ${figure.peerId}`).toBeLessThan(0.05);
      expect(figure.energy, `audio energy from ${figure.peerId}`).toBeGreaterThan(0);
    }

    // Leaving the mode resumes the videos in the layers their tiles fit.
    await clickButton(patient, 'Sparemodus for svak forbindelse');
    await until('every video forwarded again', 20_000, async () => {
      const shown = await patient.$$eval('li[data-peer-tile]', (lis) =>
        lis.map((li) => li.getAttribute('data-spatial-layer')),
      );

      return shown.every((layer) => layer !== null && layer !== 'none') ? shown : null;
    });
  });
});
