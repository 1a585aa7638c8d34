import type { Invitee } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { isSkippedInOslo, osloLocal } from '../../lib/osloTime.ts';
import type { ScheduleDraft } from '../../staff/scheduleDraft.ts';
import { ParticipantPicker } from './ParticipantPicker.tsx';
import { RecurrenceFields } from './RecurrenceFields.tsx';

const DURATIONS = [15, 30, 45, 60, 90, 120];

/**
 * When, what about, how often and with whom: the form that schedules a meeting and changes one.
 * Times are typed and shown as Norwegian time (Europe/Oslo), whatever the device's time zone.
 */
export function ScheduleForm(props: {
  invitees: Invitee[];
  organiserId: string;
  initial: ScheduleDraft;
  submitLabel: string;
  isSending: boolean;
  onSubmit: (draft: ScheduleDraft) => void;
}) {
  const { invitees, organiserId, initial, submitLabel, isSending, onSubmit } = props;
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const change = (part: Partial<ScheduleDraft>) => setDraft((d) => ({ ...d, ...part }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.start < osloLocal(new Date()) && draft.start !== initial.start) {
      setProblem('schedule.pastStart');

      return;
    }
    if (isSkippedInOslo(draft.start)) {
      setProblem('schedule.refusal.daylightSavingGap');

      return;
    }
    if (draft.recurrence.repeat !== 'none' && draft.recurrence.ends === 'until') {
      if (!draft.recurrence.until || draft.recurrence.until < draft.start.slice(0, 10)) {
        setProblem('schedule.untilBeforeStart');

        return;
      }
    }
    setProblem(null);
    onSubmit(draft);
  };

  return (
    <form className="schedule-form" onSubmit={submit} aria-describedby={`${id}-tz`}>
      <p id={`${id}-tz`} className="hint">
        {t('schedule.timeZoneNote')}
      </p>
      <label htmlFor={`${id}-purpose`}>{t('schedule.purpose')}</label>
      <input
        id={`${id}-purpose`}
        name="purpose"
        required
        maxLength={500}
        value={draft.purpose}
        onChange={(e) => change({ purpose: e.target.value })}
      />
      <div className="row">
        <div>
          <label htmlFor={`${id}-start`}>{t('schedule.start')}</label>
          <input
            id={`${id}-start`}
            name="start"
            type="datetime-local"
            required
            step={60}
            value={draft.start}
            onChange={(e) => change({ start: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={`${id}-duration`}>{t('schedule.duration')}</label>
          <select
            id={`${id}-duration`}
            name="duration"
            value={draft.durationMinutes}
            onChange={(e) => change({ durationMinutes: Number(e.target.value) })}
          >
            {[...new Set([...DURATIONS, draft.durationMinutes])]
              .sort((a, b) => a - b)
              .map((minutes) => (
                <option key={minutes} value={minutes}>
                  {t('schedule.minutes', { minutes })}
                </option>
              ))}
          </select>
        </div>
      </div>
      <RecurrenceFields
        recurrence={draft.recurrence}
        otherRrule={draft.otherRrule}
        onChange={(recurrence) => change({ recurrence, otherRrule: null })}
      />
      <ParticipantPicker
        invitees={invitees}
        organiserId={organiserId}
        participants={draft.participants}
        onChange={(participants) => change({ participants })}
      />
      {problem && (
        <p role="alert" className="warn-text">
          {t(problem)}
        </p>
      )}
      <button type="submit" className="primary large" disabled={isSending}>
        {submitLabel}
      </button>
    </form>
  );
}
