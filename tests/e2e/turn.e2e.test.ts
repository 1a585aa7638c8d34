import { readFile } from 'node:fs/promises';

import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CoturnProcess } from '../lib/coturn.ts';
import { startCoturn } from '../lib/coturn.ts';
import { launchBrowser, sampleMedia } from '../lib/browser.ts';
import { joinDemoMeeting } from '../lib/meeting.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * A patient at home and the coordinator meet with TURN_FORCE_RELAY on: their browsers may use no
 * path to the media server but a relay through coturn (Debian's package, on loopback), as a
 * browser behind a firewall that lets nothing else through would.
 */

/** How each of a page's peer connections is connected: the selected pair and the ICE set-up. */
interface PathSample {
  iceTransportPolicy: string | undefined;
  turnUrls: string[];
  credentials: string[];
  selected: {
    localType: string;
    relayProtocol: string | null;
    url: string | null;
    remoteAddress: string;
    remotePort: number;
    bytesSent: number;
    bytesReceived: number;
  } | null;
}

async function samplePaths(page: Page): Promise<PathSample[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs;
    const samples: PathSample[] = [];

    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;

      const config = pc.getConfiguration();
      const report = await pc.getStats();
      const stats = new Map<string, Record<string, unknown>>();

      report.forEach((s: Record<string, unknown>) => stats.set(s.id as string, s));

      const transport = [...stats.values()].find((s) => s.type === 'transport');
      const pair =
        stats.get(transport?.selectedCandidatePairId as string) ??
        [...stats.values()].find(
          (s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded',
        );
      const local = pair && stats.get(pair.localCandidateId as string);
      const remote = pair && stats.get(pair.remoteCandidateId as string);

      samples.push({
        iceTransportPolicy: config.iceTransportPolicy,
        turnUrls: (config.iceServers ?? []).flatMap((s) => s.urls),
        credentials: (config.iceServers ?? []).map((s) => String(s.credential)),
        selected:
          pair && local && remote
            ? {
                localType: local.candidateType as string,
                relayProtocol: (local.relayProtocol as string | undefined) ?? null,
                url: (local.url as string | undefined) ?? null,
                remoteAddress: remote.address as string,
                remotePort: remote.port as number,
                bytesSent: pair.bytesSent as number,
                bytesReceived: pair.bytesReceived as number,
              }
            : null,
      });
    }

    return samples;
  });
}

/** The sum of totalAudioEnergy over the page's received audio: it rises only while sound plays. */
async function receivedAudioEnergy(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __teamromPcs: RTCPeerConnection[] }).__teamromPcs;
    let energy = 0;

    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;

      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') energy += Number(s.totalAudioEnergy);
      });
    }

    return energy;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a meeting whose media must go through TURN', () => {
  let coturn: CoturnProcess;
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let pages: Page[] = [];

  beforeAll(async () => {
    coturn = await startCoturn();
    teamrom = await startTeamrom({
      TURN_URLS: coturn.url,
      TURN_SECRET: coturn.secret,
      TURN_FORCE_RELAY: 'true',
    });
    browser = await launchBrowser();
    pages = await joinDemoMeeting(browser, teamrom, ['patient', 'coordinator']);
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
    await coturn?.stop();
  });

  it('lets each decode the other’s video and hear the other’s sound', async () => {
    const before = await Promise.all(
      pages.map(async (p) => [await sampleMedia(p), await receivedAudioEnergy(p)] as const),
    );

    await sleep(2000);

    for (const [index, page] of pages.entries()) {
      const [media, energy] = before[index]!;
      const after = await sampleMedia(page);
      const [peerId, then] = Object.entries(media.peers)[0]!;

      expect(after.peers[peerId]!.framesDecoded).toBeGreaterThan(then.framesDecoded);
      expect(after.peers[peerId]!.audioPackets).toBeGreaterThan(then.audioPackets);
      expect(await receivedAudioEnergy(page)).toBeGreaterThan(energy);
    }
  });

  it('connects every transport through a relay candidate of coturn, and no other way', async () => {
    const mediaPorts = new Set<number>();

    for (const page of pages) {
      const paths = await samplePaths(page);

      // A send and a receive transport on each page.
      expect(paths).toHaveLength(2);

      for (const path of paths) {
        console.info(`selected path: ${JSON.stringify(path.selected)}`);
        expect(path.iceTransportPolicy).toBe('relay');
        expect(path.turnUrls).toEqual([coturn.url]);
        expect(path.selected).toMatchObject({ localType: 'relay', relayProtocol: 'udp' });
        expect(path.selected!.remoteAddress).toBe('127.0.0.1');
        expect(path.selected!.bytesReceived).toBeGreaterThan(0);
        expect(path.selected!.url).toBe(coturn.url);
        mediaPorts.add(path.selected!.remotePort);
      }
    }

    // Everyone reaches the one media server port, never coturn's own.
    expect(mediaPorts.has(coturn.port)).toBe(false);
  });

  it('shows the allocations in coturn’s log, one or more per transport', async () => {
    const allocations = await coturn.allocations();

    console.info(`coturn granted ${allocations} allocations`);
    expect(allocations).toBeGreaterThanOrEqual(4);
  });

  it('logs neither the TURN secret nor a credential on the server', async () => {
    const log = await readFile(teamrom.logFile, 'utf8');
    const credentials = (await Promise.all(pages.map(samplePaths)))
      .flat()
      .flatMap((p) => p.credentials);

    expect(credentials.length).toBeGreaterThan(0);
    expect(log).toContain('"msg":"TURN servers handed to clients"');
    expect(log).not.toContain(coturn.secret);
    for (const credential of credentials) expect(log).not.toContain(credential);
  });
});
