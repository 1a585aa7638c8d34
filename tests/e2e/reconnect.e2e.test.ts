import { readFile } from 'node:fs/promises';

import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser, mediaFlowing, sampleMedia } from '../lib/browser.ts';
import { joinDemoMeeting } from '../lib/meeting.ts';
import {
  cutNetwork,
  eventCount,
  receivedEvents,
  refuseRecovery,
  watchSignalling,
} from '../lib/signalling.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/** Long enough to outlast Socket.io's ping timeout (10 s + 5 s) with room to spare. */
const RESUME_GRACE_MS = 40_000;
/** How long the network stays away: the server notices at once (the socket closes). */
const OFFLINE_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many of the server's log lines carry this message. */
async function logged(teamrom: TeamromProcess, msg: string): Promise<number> {
  const lines = (await readFile(teamrom.logFile, 'utf8')).split('\n');

  return lines.filter((line) => line.includes(`"msg":"${msg}"`)).length;
}

/** The server's gauges from /metrics, by name. */
async function metrics(teamrom: TeamromProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${teamrom.url}/metrics`)).text();

  return Object.fromEntries(
    [...text.matchAll(/^(teamrom_\w+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

const remotePeers = async (page: Page) => Object.keys((await sampleMedia(page)).peers).sort();

describe('a participant whose connection drops', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let coordinator: Page;
  let nurse: Page;

  beforeAll(async () => {
    teamrom = await startTeamrom({ RESUME_GRACE_MS: String(RESUME_GRACE_MS) });
    browser = await launchBrowser();

    const pages = await joinDemoMeeting(
      browser,
      teamrom,
      ['coordinator', 'nurse'],
      watchSignalling,
    );

    coordinator = pages[0]!;
    nurse = pages[1]!;
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  /**
   * Takes the coordinator's network away until the server holds her, then gives it back; resolves
   * with the time from the network coming back to media flowing both ways again.
   */
  const dropAndComeBack = async (backAs: string) => {
    const held = await logged(teamrom, 'connection lost; holding the peer');
    const back = await logged(teamrom, backAs);
    const network = await cutNetwork(coordinator);

    await expect
      .poll(() => logged(teamrom, 'connection lost; holding the peer'), { timeout: 20_000 })
      .toBe(held + 1);
    await sleep(OFFLINE_MS);
    await network.restore();

    const restoredAt = Date.now();

    await expect.poll(() => logged(teamrom, backAs), { timeout: 20_000 }).toBe(back + 1);
    await Promise.all([mediaFlowing(coordinator, 1, 20_000), mediaFlowing(nurse, 1, 20_000)]);

    return Date.now() - restoredAt;
  };

  /** The same people on both sides and on the server, each medium once, each event once. */
  const expectOneMeeting = async (peersBefore: string[][], eventsBefore: number[]) => {
    const comings = ['peer:left', 'peer:joined'];

    expect([await remotePeers(coordinator), await remotePeers(nurse)]).toEqual(peersBefore);
    expect(await receivedEvents(coordinator, comings, eventsBefore[0])).toEqual([]);
    expect(await receivedEvents(nurse, comings, eventsBefore[1])).toEqual([]);

    for (const page of [coordinator, nurse]) {
      const announced = (await receivedEvents(page, ['producer:new'])).map(
        (e) => (e.payload as { producerId: string }).producerId,
      );

      expect(new Set(announced).size).toBe(announced.length);
    }

    // Two people, each with a microphone and a camera, each receiving the other's two.
    await expect
      .poll(() => metrics(teamrom))
      .toMatchObject({
        teamrom_participants: 2,
        teamrom_media_producers: 4,
        teamrom_media_consumers: 4,
        teamrom_media_transports: 4,
      });
    expect(await coordinator.$$eval('video[data-peer-id]', (videos) => videos.length)).toBe(1);
  };

  it('comes back through Socket.io’s recovery as the same participant, unseen by the others', async () => {
    const peersBefore = [await remotePeers(coordinator), await remotePeers(nurse)];
    const eventsBefore = [await eventCount(coordinator), await eventCount(nurse)];
    const elapsedMs = await dropAndComeBack('connection recovered');

    console.info(`recovered: media flowing both ways ${elapsedMs} ms after the network came back`);
    await expectOneMeeting(peersBefore, eventsBefore);
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('comes back with its resume key on a new connection, and reconciles with the server', async () => {
    const peersBefore = [await remotePeers(coordinator), await remotePeers(nurse)];
    const eventsBefore = [await eventCount(coordinator), await eventCount(nurse)];

    await refuseRecovery(coordinator, true);

    const elapsedMs = await dropAndComeBack('peer resumed');

    await refuseRecovery(coordinator, false);
    console.info(`resumed: media flowing both ways ${elapsedMs} ms after the network came back`);
    await expectOneMeeting(peersBefore, eventsBefore);
    expect(elapsedMs).toBeLessThan(5000);
  });
});
