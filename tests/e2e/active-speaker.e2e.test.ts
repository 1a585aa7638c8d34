import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser } from '../lib/browser.ts';
import { clickButton, joinDemoMeeting } from '../lib/meeting.ts';
import { eventCount, receivedEvents, watchSignalling } from '../lib/signalling.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * The active speaker, judged by the media server from what each microphone really sends. Every
 * participant has a Chromium of their own, whose fake microphone plays a sound file: the patient
 * listens in a quiet room with the microphone on, the coordinator and the physician talk. Muting
 * one of the two talkers with the toolbar leaves the other the only voice; the server must name
 * that one, never the quiet patient, and every other page must move its mark there.
 */

const PEOPLE = ['patient', 'coordinator', 'physician'] as const;
type Person = (typeof PEOPLE)[number];

const SAMPLE_RATE = 48_000;
/** Chromium plays the file in a loop; a few seconds hold several phrases and pauses. */
const SOUND_SECONDS = 4;

/** How long a page may take to mark the new speaker: the machine is shared and has two cores. */
const MARK_TIMEOUT_MS = 30_000;
/** How long the mark must then stay put, with nobody else named, while the same person talks. */
const HOLD_MS = 4000;
/** How long nobody talks at the end: a few times as long as a switch to a real voice takes. */
const SILENCE_MS = 8000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A mono 16-bit PCM WAV file of samples between -1 and 1. */
function wavFile(samples: Float64Array): Buffer {
  const header = Buffer.alloc(44);
  const data = Buffer.alloc(samples.length * 2);

  samples.forEach((sample, i) => {
    data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, sample)) * 0x7fff), i * 2);
  });
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16); // size of the format chunk
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);

  return Buffer.concat([header, data]);
}

/**
 * Something like a voice: a buzz with falling harmonics and a wandering pitch, spoken in
 * syllables with short gaps and a pause after each phrase. The level must rise and fall as
 * speech's does: the server's detector (Volfin and Cohen's, in mediasoup) measures a speaker
 * against their own quietest level, so a steady tone reads as background noise.
 */
function speech(seconds: number): Float64Array {
  const pitchHz = 140;
  /** The pitch wanders this share up and down, this many times a second, as intonation does. */
  const pitchWander = 0.08;
  const pitchWanderHz = 0.7;
  const harmonics = 8;
  const syllableSeconds = 0.2;
  const gapSeconds = 0.06;
  const syllablesPerPhrase = 5;
  const pauseSeconds = 0.4;
  const peak = 0.45;
  const phraseSeconds = syllablesPerPhrase * (syllableSeconds + gapSeconds) + pauseSeconds;
  const samples = new Float64Array(seconds * SAMPLE_RATE);
  let phase = 0;

  for (let i = 0; i < samples.length; i++) {
    const t = i / SAMPLE_RATE;
    const inPhrase = t % phraseSeconds;
    const inSyllable = inPhrase % (syllableSeconds + gapSeconds);
    const isVoiced = inPhrase < phraseSeconds - pauseSeconds && inSyllable < syllableSeconds;
    const envelope = isVoiced ? Math.sin((Math.PI * inSyllable) / syllableSeconds) ** 2 : 0;
    let buzz = 0;

    const hz = pitchHz * (1 + pitchWander * Math.sin(2 * Math.PI * pitchWanderHz * t));

    phase += (2 * Math.PI * hz) / SAMPLE_RATE;
    for (let h = 1; h <= harmonics; h++) buzz += Math.sin(h * phase) / h;
    samples[i] = peak * envelope * buzz;
  }

  return samples;
}

/** A quiet room: steady noise about 55 dB below full scale, the same every run. */
function quietRoom(seconds: number): Float64Array {
  const amplitude = 0.003;
  const samples = new Float64Array(seconds * SAMPLE_RATE);
  let seed = 1;

  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    samples[i] = amplitude * ((seed / 2 ** 31) * 2 - 1);
  }

  return samples;
}

describe('the active speaker, from the sound each participant sends', () => {
  let teamrom: TeamromProcess;
  let soundDir: string;
  const browsers = {} as Record<Person, Browser & { cleanup(): Promise<void> }>;
  const pages = {} as Record<Person, Page>;
  const peerIds = {} as Record<Person, string>;
  const personOf = (peerId: string | null | undefined) =>
    PEOPLE.find((p) => peerIds[p] === peerId) ?? `unknown peer ${peerId}`;

  beforeAll(async () => {
    soundDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-sounds-'));

    const talking = path.join(soundDir, 'talking.wav');
    const quiet = path.join(soundDir, 'quiet-room.wav');
    const soundOf: Record<Person, string> = {
      patient: quiet,
      coordinator: talking,
      physician: talking,
    };

    await writeFile(talking, wavFile(speech(SOUND_SECONDS)));
    await writeFile(quiet, wavFile(quietRoom(SOUND_SECONDS)));

    teamrom = await startTeamrom();
    for (const person of PEOPLE) {
      browsers[person] = await launchBrowser({ fakeAudioFile: soundOf[person] });
    }

    const joined = await joinDemoMeeting(
      (role) => browsers[role as Person],
      teamrom,
      [...PEOPLE],
      watchSignalling,
    );

    PEOPLE.forEach((person, i) => (pages[person] = joined[i]!));

    // Each person's peer id, from the tile that shows their name on someone else's page.
    const links = await teamrom.demoLinks();

    for (const person of PEOPLE) {
      const name = links.find((l) => l.role === person)!.name;
      const viewer = pages[PEOPLE.find((p) => p !== person)!];
      const peerId = await viewer.$$eval(
        'li[data-peer-tile]',
        (tiles, shown) =>
          tiles.find((t) => t.textContent?.includes(shown))?.getAttribute('data-peer-tile'),
        name,
      );

      if (!peerId) throw new Error(`no tile for the ${person} on another page`);
      peerIds[person] = peerId;
    }
    expect(new Set(Object.values(peerIds)).size).toBe(PEOPLE.length);
  });

  afterAll(async () => {
    for (const browser of Object.values(browsers)) await browser.cleanup();
    await teamrom?.stop();
    if (soundDir) await rm(soundDir, { recursive: true, force: true });
  });

  /** Every `speaker:active` the page heard from its `from`th event on, as the people named. */
  const namedSince = async (person: Person, from: number) =>
    (await receivedEvents(pages[person], ['speaker:active'], from)).map(({ payload }) =>
      personOf((payload as { peerId: string }).peerId),
    );

  /**
   * The tiles marked as speaking on the person's page: who they show (their own tile has no peer
   * id), and the badge's text.
   */
  const marksOn = async (person: Person) =>
    (
      await pages[person].$$eval('li[data-speaking]', (tiles) =>
        tiles.map((t) => ({
          peerId: t.getAttribute('data-peer-tile'),
          badge: t.querySelector('.speaking')?.textContent ?? '',
        })),
      )
    ).map(({ peerId, badge }) => ({ person: peerId === null ? person : personOf(peerId), badge }));

  /**
   * Makes a change and waits until every page but the speaker's own marks `speaker`, and only
   * them; then checks the mark stays while they talk on. For a switch `from` a speaker marked
   * before, the server must name the new speaker exactly once and nobody else. Resolves to how
   * long each page took to move its mark.
   */
  async function speakerBecomes(
    speaker: Person,
    from: Person | null,
    change: () => Promise<void>,
  ): Promise<Partial<Record<Person, number>>> {
    const watchers = PEOPLE.filter((p) => p !== speaker);
    const heardBefore = await Promise.all(watchers.map((p) => eventCount(pages[p])));

    if (from) {
      for (const watcher of watchers.filter((w) => w !== from)) {
        expect(
          (await marksOn(watcher)).map((m) => m.person),
          'the mark before',
        ).toEqual([from]);
      }
    }
    await change();

    const changedAt = Date.now();
    const took: Partial<Record<Person, number>> = {};

    await Promise.all(
      watchers.map(async (watcher, i) => {
        try {
          await pages[watcher].waitForFunction(
            (peerId) => {
              const marked = document.querySelectorAll('li[data-speaking]');

              return marked.length === 1 && marked[0]!.getAttribute('data-peer-tile') === peerId;
            },
            { timeout: MARK_TIMEOUT_MS, polling: 'mutation' },
            peerIds[speaker],
          );
        } catch (error) {
          const before = await namedSince(watcher, 0);
          const named = await namedSince(watcher, heardBefore[i]!);
          const marks = (await marksOn(watcher)).map((m) => m.person);

          throw new Error(
            `the ${watcher}'s page did not mark the ${speaker} within ${MARK_TIMEOUT_MS} ms: ` +
              `the server named [${before.slice(0, before.length - named.length).join(', ')}] ` +
              `before the change and [${named.join(', ')}] since, the page marks ` +
              `[${marks.join(', ')}]`,
            { cause: error },
          );
        }
        took[watcher] = Date.now() - changedAt;
      }),
    );

    await sleep(HOLD_MS);

    for (const [i, watcher] of watchers.entries()) {
      const marks = await marksOn(watcher);
      const named = await namedSince(watcher, heardBefore[i]!);

      expect(
        marks.map((m) => m.person),
        `the ${watcher}'s mark`,
      ).toEqual([speaker]);
      expect(marks[0]!.badge, `the ${watcher}'s speaking badge`).toContain('Snakker');
      if (from) {
        expect(named, `who the server named to the ${watcher}`).toEqual([speaker]);
      } else {
        expect(named.at(-1) ?? speaker, `who the server named last to the ${watcher}`).toBe(
          speaker,
        );
      }
    }

    return took;
  }

  it('names whoever talks, not the quiet listener, and every page moves its mark', async () => {
    const figures: string[] = [];
    const note = (what: string, took: Partial<Record<Person, number>>) =>
      figures.push(
        `${what}: ${Object.entries(took)
          .map(([watcher, ms]) => `${watcher}'s page ${ms} ms`)
          .join(', ')}`,
      );
    /**
     * One talker stops and the other starts, in that order, so that the new voice is what moves
     * the mark: the time counts from the new talker's microphone going on.
     */
    const takeTurn = async (from: Person, to: Person) => {
      await clickButton(pages[from], 'Slå av mikrofonen');
      await clickButton(pages[to], 'Slå på mikrofonen');
    };

    // Whoever was named while people joined, the coordinator is the only voice once the physician
    // is muted; the real switches come after.
    note(
      'coordinator, physician muted',
      await speakerBecomes('coordinator', null, () =>
        clickButton(pages.physician, 'Slå av mikrofonen'),
      ),
    );
    note(
      'physician takes over',
      await speakerBecomes('physician', 'coordinator', () => takeTurn('coordinator', 'physician')),
    );
    note(
      'coordinator takes over',
      await speakerBecomes('coordinator', 'physician', () => takeTurn('physician', 'coordinator')),
    );

    // Both talkers muted: the quiet room behind the patient's open microphone is no voice, so
    // the server names nobody; the last speaker has turned the microphone off, so nobody is
    // marked as speaking.
    const heardBefore = await eventCount(pages.patient);

    await clickButton(pages.coordinator, 'Slå av mikrofonen');
    await sleep(SILENCE_MS);
    expect(await namedSince('patient', heardBefore), 'named while nobody talked').toEqual([]);
    await pages.patient.waitForFunction(() => !document.querySelector('li[data-speaking]'), {
      timeout: 10_000,
    });

    console.info(`active speaker, the mark moved: ${figures.join('; ')}`);
  }, 240_000);
});
