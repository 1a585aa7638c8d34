import type { Invitee, ScheduledMeeting } from '@teamrom/signaling/protocol';
import { describe, expect, it } from 'vitest';

import { draftOf, newDraft, rescheduleRequest, scheduleRequest } from './scheduleDraft.ts';

const invitees: Invitee[] = [
  { personId: 'p-astrid', displayName: 'Astrid Test', role: 'patient', organisation: null },
  { personId: 'p-kari', displayName: 'Kari Test', role: 'coordinator', organisation: 'Enhet' },
  { personId: 'p-ola', displayName: 'Ola Test', role: 'physician', organisation: 'Sykehus' },
  { personId: 'p-tolk', displayName: 'Tolk Test', role: 'interpreter', organisation: null },
];

describe('the schedule form', () => {
  it('invites the patient and the organiser from the start', () => {
    const draft = newDraft(invitees, 'p-kari', '2027-03-29T10:00');

    expect(scheduleRequest('patient-1', { ...draft, purpose: ' Oppfølging ' }, invitees)).toEqual({
      patientId: 'patient-1',
      purpose: 'Oppfølging',
      start: '2027-03-29T10:00',
      timeZone: 'Europe/Oslo',
      durationMinutes: 45,
      rrule: null,
      participants: [
        { personId: 'p-astrid', required: true },
        { personId: 'p-kari', required: true },
      ],
    });
  });

  it('sends an interpreter’s language, and only an interpreter’s', () => {
    const draft = newDraft(invitees, 'p-kari', '2027-03-29T10:00');

    draft.participants['p-tolk'] = { isInvited: true, required: false, interpreterLanguage: 'ar' };
    draft.participants['p-ola'] = { isInvited: true, required: false, interpreterLanguage: 'ar' };

    expect(scheduleRequest('patient-1', draft, invitees).participants).toEqual([
      { personId: 'p-astrid', required: true },
      { personId: 'p-kari', required: true },
      { personId: 'p-ola', required: false },
      { personId: 'p-tolk', required: false, interpreterLanguage: 'ar' },
    ]);
  });

  it('changes only what was changed, so that answers stay when the time does', () => {
    const meeting = {
      id: 'm-1',
      purpose: 'Oppfølging',
      localStart: '2027-03-29T10:00',
      durationMinutes: 45,
      rrule: 'FREQ=WEEKLY;COUNT=4',
      participants: [
        { personId: 'p-astrid', required: true, interpreterLanguage: null },
        { personId: 'p-kari', required: true, interpreterLanguage: null },
      ],
    } as unknown as ScheduledMeeting;
    const draft = draftOf(meeting, invitees);

    expect(rescheduleRequest(meeting, draft, invitees)).toBeNull();
    expect(rescheduleRequest(meeting, { ...draft, durationMinutes: 60 }, invitees)).toEqual({
      meetingId: 'm-1',
      durationMinutes: 60,
    });
    expect(
      rescheduleRequest(
        meeting,
        { ...draft, recurrence: { ...draft.recurrence, repeat: 'none' } },
        invitees,
      ),
    ).toEqual({ meetingId: 'm-1', rrule: null });
  });
});
