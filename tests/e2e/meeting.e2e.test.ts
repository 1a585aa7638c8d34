import { readFile } from 'node:fs/promises';

import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { firstSyntheticFodselsnummer } from '../../signaling/src/demo/syntheticIds.ts';
import type { MediaSample } from '../lib/browser.ts';
import { launchBrowser, recordPeerConnections, sampleMedia } from '../lib/browser.ts';
import type { DemoLink, TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/** The three demo people in this meeting: the patient at home and two of her care team. */
const PEOPLE = ['patient', 'coordinator', 'physician'] as const;
type Person = (typeof PEOPLE)[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>) {
  const deadline = Date.now() + timeoutMs;

  for (;;) {
    const value = await probe();

    if (value !== null) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('a three-person meeting in Chromium', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  const pages = {} as Record<Person, Page>;
  let links: DemoLink[] = [];

  beforeAll(async () => {
    teamrom = await startTeamrom();
    browser = await launchBrowser();

    links = await teamrom.demoLinks();

    for (const person of PEOPLE) {
      const link = links.find((l) => l.role === person);

      if (!link) throw new Error(`no demo link for ${person}`);

      const context = await browser.createBrowserContext();
      const page = await context.newPage();

      await recordPeerConnections(page);
      await page.goto(`${link.url}&precheck=0`);
      pages[person] = page;
    }
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('lets everyone decode video from and receive audio of each of the other two', async () => {
    const first = new Map<Person, MediaSample>();

    for (const person of PEOPLE) {
      first.set(
        person,
        await until(`${person} to receive media from two peers`, 30_000, async () => {
          const sample = await sampleMedia(pages[person]);
          const peers = Object.values(sample.peers);

          return peers.length === 2 && peers.every((p) => p.framesDecoded > 0 && p.audioPackets > 0)
            ? sample
            : null;
        }),
      );
    }

    await sleep(2000);

    for (const person of PEOPLE) {
      const before = first.get(person)!;
      const after = await sampleMedia(pages[person]);

      for (const [peerId, then] of Object.entries(before.peers)) {
        const now = after.peers[peerId];

        expect(now, `${person} still has ${peerId}`).toBeDefined();
        expect(now!.framesDecoded, `${person} decodes frames of ${peerId}`).toBeGreaterThan(
          then.framesDecoded,
        );
        expect(now!.audioPackets, `${person} receives audio of ${peerId}`).toBeGreaterThan(
          then.audioPackets,
        );
      }
    }
  });

  it('sends the camera in three simulcast layers from every participant', async () => {
    for (const person of PEOPLE) {
      const layers = await until(`${person} to send three active layers`, 30_000, async () => {
        const { layers } = await sampleMedia(pages[person]);
        const active = layers.filter((l) => l.framesEncoded > 0);

        return active.length === 3 ? layers : null;
      });

      expect(new Set(layers.map((l) => l.rid)).size).toBe(3);
      expect(Math.max(...layers.map((l) => l.frameHeight))).toBe(720);
    }
  });

  it('shows an action added by one participant to the other two', async () => {
    const description = `Avtale hjemmebesøk ${Date.now()}`;
    const coordinator = pages.coordinator;

    await coordinator.waitForSelector('form.add-action input[name="description"]');
    await coordinator.type('form.add-action input[name="description"]', description);
    // Someone of the plan's directory: whichever organisation the list offers first.
    const responsible = await coordinator.$eval(
      'form.add-action select[name="responsible"] option[value^="organisation:"]',
      (option) => (option as HTMLOptionElement).value,
    );

    await coordinator.select('form.add-action select[name="responsible"]', responsible);
    // Enter in the text field sends the form, as a keyboard user would. A click at the button's
    // centre can land on the sticky meeting controls when the button sits at the window's bottom.
    await coordinator.focus('form.add-action input[name="description"]');
    await coordinator.keyboard.press('Enter');

    for (const person of ['patient', 'physician'] as const) {
      await pages[person].waitForFunction(
        (text) =>
          [...document.querySelectorAll('[data-testid="careplan-actions"] li')].some((li) =>
            li.textContent?.includes(text),
          ),
        { timeout: 5000 },
        description,
      );
    }
  });

  it('shows the others when someone turns the microphone or camera off and on again', async () => {
    const coordinator = pages.coordinator;
    const patient = pages.patient;
    const coordinatorTile = async () =>
      patient.evaluate((name) => {
        const tile = [...document.querySelectorAll('li.tile')].find((t) =>
          t.textContent?.includes(name),
        );

        return { text: tile?.textContent ?? '', hasVideo: Boolean(tile?.querySelector('video')) };
      }, 'Kari Nordmann');
    const click = async (label: string) => {
      const [button] = await coordinator.$$(`xpath/.//nav//button[normalize-space()="${label}"]`);

      if (!button) throw new Error(`no button "${label}"`);
      await button.click();
    };

    await click('Slå av mikrofonen');
    await click('Slå av kameraet');
    await until('the patient to see both turned off', 5000, async () => {
      const tile = await coordinatorTile();

      return tile.text.includes('Mikrofonen er av') && !tile.hasVideo ? tile : null;
    });

    await click('Slå på mikrofonen');
    await click('Slå på kameraet');
    await until('the patient to see both on again', 5000, async () => {
      const tile = await coordinatorTile();

      return !tile.text.includes('Mikrofonen er av') && tile.hasVideo ? tile : null;
    });
  });

  it('drops the tile of a participant who leaves, for the other two', async () => {
    const peersOf = async (person: Person) => Object.keys((await sampleMedia(pages[person])).peers);
    const seenByPatient = await peersOf('patient');
    const seenByCoordinator = await peersOf('coordinator');
    const physicianPeerId = seenByPatient.find((id) => seenByCoordinator.includes(id));

    expect(physicianPeerId).toBeDefined();

    await pages.physician.click('nav.controls button.danger');

    const leftAt = Date.now();

    for (const person of ['patient', 'coordinator'] as const) {
      await pages[person].waitForFunction(
        (peerId) => !document.querySelector(`[data-peer-id="${peerId}"]`),
        { timeout: 5000 },
        physicianPeerId,
      );
    }

    // The goal is two seconds; the figure is reported, not asserted, on a shared two-core machine.
    console.info(`tile dropped ${Date.now() - leftAt} ms after the leave click`);
    expect(await peersOf('patient')).toHaveLength(1);
    expect(await peersOf('coordinator')).toHaveLength(1);
  });

  it('drops the tile of a participant who closes the tab', async () => {
    const [patientPeerId] = Object.keys((await sampleMedia(pages.coordinator)).peers);

    expect(patientPeerId).toBeDefined();

    await pages.patient.close();

    const closedAt = Date.now();

    await pages.coordinator.waitForFunction(
      (peerId) => !document.querySelector(`[data-peer-id="${peerId}"]`),
      { timeout: 5000 },
      patientPeerId,
    );
    console.info(`tile dropped ${Date.now() - closedAt} ms after the tab closed`);
    expect(Object.keys((await sampleMedia(pages.coordinator)).peers)).toEqual([]);
  });

  it('never writes names, identity numbers, tokens or care-plan text to its log', async () => {
    const log = await readFile(teamrom.logFile, 'utf8');
    // The tokens the three browsers joined with.
    const tokens = links.map((l) => l.url.split('#token=')[1]!);
    const lines = log.trim().split('\n');

    // The log is the one of this very meeting: every line JSON, with its lifecycle in it.
    expect(lines.every((line) => JSON.parse(line) !== null)).toBe(true);
    for (const step of ['peer joined', 'transport connected', 'producer opened', 'peer left']) {
      expect(log, step).toContain(`"msg":"${step}"`);
    }

    for (const secret of [
      'Astrid',
      'Solberg',
      'Kari Nordmann',
      'Ola Hansen',
      firstSyntheticFodselsnummer('1942-03-14'),
      'postkassen',
      'Avtale hjemmebesøk',
      ...tokens.map((t) => t.split('.')[2]!),
    ]) {
      expect(log.includes(secret), `log holds "${secret.slice(0, 12)}…"`).toBe(false);
    }
  });
});
