import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import type { Recurrence, Repeat } from '../../lib/rrule.ts';
import { REPEATS } from '../../lib/rrule.ts';

/** How a meeting repeats and when the series ends; the form turns the choices into an RRULE. */
export function RecurrenceFields(props: {
  recurrence: Recurrence;
  /** A stored rule the choices cannot show: said, and kept until another is picked. */
  otherRrule: string | null;
  onChange: (recurrence: Recurrence) => void;
}) {
  const { recurrence, otherRrule, onChange } = props;
  const { t } = useTranslation();
  const id = useId();
  const change = (part: Partial<Recurrence>) => onChange({ ...recurrence, ...part });

  return (
    <fieldset className="recurrence">
      <legend>{t('schedule.recurrence.legend')}</legend>
      {otherRrule && <p className="hint">{t('schedule.recurrence.other', { rule: otherRrule })}</p>}
      <label htmlFor={`${id}-repeat`}>{t('schedule.recurrence.repeat')}</label>
      <select
        id={`${id}-repeat`}
        name="repeat"
        value={otherRrule ? '' : recurrence.repeat}
        onChange={(e) => change({ repeat: e.target.value as Repeat })}
      >
        {otherRrule && <option value="">{t('schedule.recurrence.keep')}</option>}
        {REPEATS.map((repeat) => (
          <option key={repeat} value={repeat}>
            {t(`schedule.recurrence.${repeat}`)}
          </option>
        ))}
      </select>
      {recurrence.repeat !== 'none' && !otherRrule && (
        <div className="ends">
          <label className="check">
            <input
              type="radio"
              name={`${id}-ends`}
              checked={recurrence.ends === 'count'}
              onChange={() => change({ ends: 'count' })}
            />
            {t('schedule.recurrence.endsAfter')}
          </label>
          <label className="inline">
            <span className="visually-hidden">{t('schedule.recurrence.count')}</span>
            <input
              type="number"
              name="count"
              min={2}
              max={100}
              value={recurrence.count}
              disabled={recurrence.ends !== 'count'}
              onChange={(e) => change({ count: Number(e.target.value) })}
            />{' '}
            {t('schedule.recurrence.meetings')}
          </label>
          <label className="check">
            <input
              type="radio"
              name={`${id}-ends`}
              checked={recurrence.ends === 'until'}
              onChange={() => change({ ends: 'until' })}
            />
            {t('schedule.recurrence.endsOn')}
          </label>
          <label className="inline">
            <span className="visually-hidden">{t('schedule.recurrence.until')}</span>
            <input
              type="date"
              name="until"
              value={recurrence.until}
              disabled={recurrence.ends !== 'until'}
              required={recurrence.ends === 'until'}
              onChange={(e) => change({ until: e.target.value })}
            />
          </label>
        </div>
      )}
    </fieldset>
  );
}
