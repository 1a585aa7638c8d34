import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TokenService } from '../../signaling/src/auth/tokens.ts';
import type { ParticipantRole } from '../../signaling/src/protocol/index.ts';
import { launchBrowser, mediaFlowing, recordPeerConnections, sampleMedia } from '../lib/browser.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

/*
 * A scheduled meeting from beginning to end, in Chromium, through the pages people use: the
 * coordinator schedules it with the patient and two team members, the two accept and go in, the
 * patient opens her personal link, passes the device and connection check (test video through the
 * media server), waits, is let in, and sees and hears the team; the coordinator sees who accepted
 * as they answer. The demo's people and patient, all invented.
 */

const SECRET = 'a-secret-for-the-scheduling-e2e-test-0123456789';
const PATIENT = 'person-astrid';
const COORDINATOR = { sub: 'person-kari', role: 'coordinator' } as const;
const TEAM = [
  { sub: 'person-ola', role: 'physician', name: 'Ola Hansen' },
  { sub: 'person-ingrid', role: 'nurse', name: 'Ingrid Berg' },
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>) {
  const deadline = Date.now() + timeoutMs;

  for (;;) {
    const value = await probe();

    if (value !== null) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(250);
  }
}

/** Wall-clock time in Oslo, to the minute, as the schedule form takes it. */
function osloLocal(instant: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: 'Europe/Oslo',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;

  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Clicks in the page itself: a sticky reminder at the top cannot catch the click. */
async function press(page: Page, selector: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForSelector(selector, { timeout: timeoutMs });
  await page.$eval(selector, (element) => (element as HTMLElement).click());
}

/** Sets a controlled input's value as typing would, so that React sees the change. */
async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.waitForSelector(selector);
  await page.$eval(
    selector,
    (element, text) => {
      const input = element as HTMLInputElement;
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;

      setter.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    value,
  );
}

describe('a scheduled meeting, from the coordinator’s form to the patient in the call', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let tokens: TokenService;
  let coordinator: Page;
  let patient: Page;
  const team: Page[] = [];
  let meetingId = '';
  let patientLink = '';

  /** A signed-in team member's first address: their own token, not limited to a meeting. */
  const staffUrl = (who: { sub: string; role: ParticipantRole }, query = '') =>
    `${teamrom.url}/${query}#token=${tokens.sign({ sub: who.sub, role: who.role }, 3600)}`;

  const newPage = async () => {
    const page = await (await browser.createBrowserContext()).newPage();

    await recordPeerConnections(page);

    return page;
  };

  beforeAll(async () => {
    teamrom = await startTeamrom({ JWT_SECRET: SECRET, WAITING_ROOM: 'on' });
    browser = await launchBrowser();
    tokens = new TokenService(SECRET);
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('lets the coordinator schedule a meeting with the patient and two team members', async () => {
    coordinator = await newPage();
    await coordinator.goto(staffUrl(COORDINATOR));

    // Home: the patients Kari coordinates, with the way to schedule a meeting about each.
    await coordinator.waitForSelector('[data-testid="coordinated-patients"]', { timeout: 30_000 });
    expect(
      await coordinator.$eval('[data-testid="coordinated-patients"]', (t) => t.textContent),
    ).toContain('Astrid Solberg');
    await press(coordinator, '[data-testid="coordinated-patients"] a[href*="view=schedule"]');

    // Three minutes ahead, to the minute: the join button is open already, the start not past.
    const start = osloLocal(new Date(Date.now() + 3 * 60 * 1000));

    await coordinator.waitForSelector('form.schedule-form', { timeout: 15_000 });
    await fill(coordinator, 'input[name="purpose"]', 'Oppfølging etter utskrivning');
    await fill(coordinator, 'input[name="start"]', start);
    await coordinator.select('select[name="duration"]', '30');
    for (const member of TEAM)
      await press(coordinator, `input[name="invite"][value="${member.sub}"]`);
    expect(
      await coordinator.$eval(`input[name="invite"][value="${PATIENT}"]`, (i) => [
        (i as HTMLInputElement).checked,
        (i as HTMLInputElement).disabled,
      ]),
    ).toEqual([true, true]);
    await press(coordinator, 'form.schedule-form button[type="submit"]');

    // The meeting's page: everyone invited, the organiser having accepted by scheduling.
    await coordinator.waitForSelector('[data-testid="participant-responses"]', { timeout: 15_000 });
    meetingId = new URL(coordinator.url()).searchParams.get('id') ?? '';
    expect(meetingId).not.toBe('');

    const responses = await coordinator.$$eval('[data-testid="participant-responses"] > li', (li) =>
      li.map((l) => [(l as HTMLElement).dataset.personId, (l as HTMLElement).dataset.response]),
    );

    expect(Object.fromEntries(responses)).toEqual({
      [PATIENT]: 'needs-action',
      'person-kari': 'accepted',
      'person-ola': 'needs-action',
      'person-ingrid': 'needs-action',
    });

    // The patient's invitation: a personal link, and a calendar file beside it.
    await coordinator.waitForSelector(`input[name="join-link-${PATIENT}"]`, { timeout: 15_000 });
    patientLink = await coordinator.$eval(
      `input[name="join-link-${PATIENT}"]`,
      (i) => (i as HTMLInputElement).value,
    );
    expect(patientLink).toMatch(new RegExp(`/m/${meetingId}#link=`));
  });

  it('lets each team member accept in "My meetings" and go in through the join button', async () => {
    for (const member of TEAM) {
      const page = await newPage();
      const item = `li.my-meeting[data-meeting-id="${meetingId}"]`;

      await page.goto(staffUrl(member, '?view=meetings'));
      await page.waitForSelector(item, { timeout: 30_000 });
      await press(page, `${item} button[value="accepted"]`);
      await page.waitForSelector(`${item}[data-response="accepted"]`, { timeout: 15_000 });

      // Open ten minutes before the start: a link, not a disabled button.
      await press(page, `${item} a[href="/m/${meetingId}"]`);
      // Staff may skip the device check.
      await press(page, '[data-testid="precheck-skip"]', 30_000);
      await page.waitForSelector('[data-testid="roster"]', { timeout: 30_000 });
      team.push(page);
    }
  });

  it('lets the patient open her link, pass the device check and wait to be let in', async () => {
    patient = await newPage();
    await patient.goto(patientLink);

    const result = (check: string) =>
      patient.$eval(`[data-check="${check}"]`, (s) => (s as HTMLElement).dataset.result);

    await patient.waitForSelector('[data-check="camera"]', { timeout: 30_000 });
    // The link leaves the address bar once it has been exchanged.
    expect(patient.url()).not.toContain('#link=');

    await until('the camera, microphone and connection checks to pass', 30_000, async () => {
      const results = await Promise.all(['camera', 'microphone', 'connection'].map(result));

      return results.every((r) => r === 'ok') ? results : null;
    });
    expect(
      await patient.$eval(
        '[data-check="camera"] video',
        (v) => (v as HTMLVideoElement).srcObject !== null,
      ),
    ).toBe(true);

    // The test tone, and the patient says she heard it.
    await press(patient, '[data-check="speaker"] button');
    await patient.waitForSelector('[data-check="speaker"][data-result="asking"]', {
      timeout: 15_000,
    });
    await press(patient, '[data-check="speaker"] fieldset button');
    expect(await result('speaker')).toBe('heard');

    await press(patient, '[data-testid="precheck-done"]');
    await patient.waitForSelector('.waiting-room', { timeout: 30_000 });
    expect(await patient.$eval('.waiting-room', (w) => w.textContent)).toContain(
      'Teamet vet at du venter',
    );
    expect(await patient.$eval('[data-testid="waited"]', (w) => w.textContent)).toMatch(
      /Du kom akkurat|Du har ventet/,
    );
  });

  it('lets a team member admit her, and she sees and hears the team', async () => {
    const [physician] = team;

    await physician!.waitForFunction(
      () => document.querySelector('[data-testid="lobby"]')?.textContent?.includes('Astrid'),
      { timeout: 15_000 },
    );
    await press(physician!, '[data-testid="lobby"] button.primary');

    await patient.waitForSelector('[data-testid="roster"]', { timeout: 30_000 });
    await mediaFlowing(patient, TEAM.length, 45_000);

    const before = await sampleMedia(patient);

    await sleep(2000);

    const after = await sampleMedia(patient);

    expect(Object.keys(after.peers)).toHaveLength(TEAM.length);
    for (const [peerId, now] of Object.entries(after.peers)) {
      const then = before.peers[peerId]!;

      expect(now.framesDecoded, `video frames from ${peerId}`).toBeGreaterThan(then.framesDecoded);
      expect(now.audioEnergy, `sound from ${peerId}`).toBeGreaterThan(then.audioEnergy);
    }

    // The roster at the start: everyone's name, role and organisation.
    const roster = await patient.$eval('[data-testid="roster"]', (r) => r.textContent ?? '');

    for (const member of TEAM) expect(roster).toContain(member.name);
    expect(roster).toContain('Hjemmesykepleien');
  });

  it('shows the coordinator who accepted', async () => {
    for (const member of TEAM) {
      await coordinator.waitForSelector(
        `[data-testid="participant-responses"] > li[data-person-id="${member.sub}"][data-response="accepted"]`,
        // The server tells the page of each answer as it is given; it asks by itself only every
        // two minutes.
        { timeout: 15_000 },
      );
    }

    expect(
      await coordinator.$eval(
        `[data-testid="participant-responses"] > li[data-person-id="${PATIENT}"]`,
        (li) => (li as HTMLElement).dataset.response,
      ),
    ).toBe('needs-action');
  });

  it('records the leader’s confirmation of introductions in the meeting record', async () => {
    const [leader] = team;

    // The first team member in is the leader while the coordinator is away.
    await press(leader!, '[data-testid="roster"] > button.primary');
    await patient.waitForFunction(
      () => document.querySelector('[data-testid="roster"]')?.textContent?.includes('bekreftet'),
      { timeout: 15_000 },
    );

    await coordinator.goto(`${teamrom.url}/?view=record&id=${encodeURIComponent(meetingId)}`);
    await coordinator.waitForFunction(
      () => {
        const text = document.querySelector('main')?.textContent ?? '';

        return text.includes('Astrid Solberg') && text.includes('bekreftet');
      },
      { timeout: 15_000 },
    );
  });
});
