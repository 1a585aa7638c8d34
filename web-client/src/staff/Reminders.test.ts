import type { MyMeeting, MyMeetings } from '@teamrom/signaling/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { StaffConnection } from './StaffConnection.ts';
import { Reminders, hasStarted } from './Reminders.ts';

const MINUTE = 60_000;

function meeting(startsInMinutes: number, status: MyMeeting['status'] = 'scheduled'): MyMeeting {
  const start = Date.now() + startsInMinutes * MINUTE;

  return {
    meetingId: `m${startsInMinutes}`,
    patientId: 'patient-1',
    patientName: 'Astrid Test',
    purpose: 'Oppfølging',
    status,
    recurring: false,
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 30 * MINUTE).toISOString(),
    localStart: '2027-01-01T10:00',
    joinOpensAt: new Date(start - 10 * MINUTE).toISOString(),
    myRole: 'nurse',
    myResponse: 'accepted',
    required: true,
  };
}

function connectionWith(upcoming: MyMeeting[]) {
  const answer: MyMeetings = { upcoming, past: [] };

  return {
    socket: { on: vi.fn() },
    ask: vi.fn(async () => answer),
  } as unknown as Pick<StaffConnection, 'socket' | 'ask'>;
}

describe('the reminder before a meeting', () => {
  const stored = new Map<string, string>();

  beforeEach(() => {
    vi.useFakeTimers();
    stored.clear();
    vi.stubGlobal('sessionStorage', {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
    });
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('is due ten minutes before the start, not before', async () => {
    const reminders = new Reminders(connectionWith([meeting(15)]));

    await reminders.refresh();
    expect(reminders.state.get().due).toEqual([]);

    await vi.advanceTimersByTimeAsync(5 * MINUTE + 100);
    expect(reminders.state.get().due.map((m) => m.meetingId)).toEqual(['m15']);
    reminders.close();
  });

  it('stays until dismissed, and is not shown again', async () => {
    const reminders = new Reminders(connectionWith([meeting(5)]));

    await reminders.refresh();
    expect(reminders.state.get().due).toHaveLength(1);

    reminders.dismiss(reminders.state.get().due[0]!);
    expect(reminders.state.get().due).toEqual([]);

    await reminders.refresh();
    expect(reminders.state.get().due).toEqual([]);
    reminders.close();
  });

  it('is never due for a cancelled meeting, and ends with the meeting', async () => {
    const reminders = new Reminders(connectionWith([meeting(5, 'cancelled'), meeting(-20)]));

    await reminders.refresh();
    expect(reminders.state.get().due.map((m) => m.meetingId)).toEqual(['m-20']);

    await vi.advanceTimersByTimeAsync(11 * MINUTE);
    expect(reminders.state.get().due).toEqual([]);
    reminders.close();
  });

  it('says the meeting has begun once it has started', async () => {
    const reminders = new Reminders(connectionWith([meeting(5)]));

    await reminders.refresh();

    const [due] = reminders.state.get().due;

    expect(hasStarted(due!, reminders.state.get())).toBe(false);

    await vi.advanceTimersByTimeAsync(5 * MINUTE + 100);
    expect(hasStarted(due!, reminders.state.get())).toBe(true);
    expect(reminders.state.get().due).toHaveLength(1);
    reminders.close();
  });
});
