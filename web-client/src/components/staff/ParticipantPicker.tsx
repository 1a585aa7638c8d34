import type { Invitee } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import type { DraftParticipant } from '../../staff/scheduleDraft.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/** Common languages interpreted in Norwegian health care, offered as the field is typed. */
const INTERPRETER_LANGUAGES = [
  'ar',
  'so',
  'ti',
  'fa',
  'prs',
  'ps',
  'ku',
  'pl',
  'uk',
  'ru',
  'ur',
  'vi',
  'th',
  'en',
  'se',
];

/**
 * Who is invited: the patient (always), the care team, relatives and interpreters, each needed
 * (required) or welcome (optional); an interpreter with the language they interpret.
 */
export function ParticipantPicker(props: {
  invitees: Invitee[];
  organiserId: string;
  participants: Record<string, DraftParticipant>;
  onChange: (participants: Record<string, DraftParticipant>) => void;
}) {
  const { invitees, organiserId, participants, onChange } = props;
  const { t } = useTranslation();
  const id = useId();
  const change = (personId: string, part: Partial<DraftParticipant>) =>
    onChange({ ...participants, [personId]: { ...participants[personId]!, ...part } });

  return (
    <fieldset className="participants">
      <legend>{t('schedule.participants.legend')}</legend>
      <datalist id={`${id}-languages`}>
        {INTERPRETER_LANGUAGES.map((code) => (
          <option key={code} value={code} />
        ))}
      </datalist>
      <ul>
        {invitees.map((person) => {
          const p = participants[person.personId] ?? {
            isInvited: false,
            required: true,
            interpreterLanguage: '',
          };
          const isFixed = person.role === 'patient' || person.personId === organiserId;
          const rowId = `${id}-${person.personId}`;

          return (
            <li key={person.personId} data-person-id={person.personId}>
              <label className="check">
                <input
                  type="checkbox"
                  name="invite"
                  value={person.personId}
                  checked={p.isInvited || isFixed}
                  disabled={isFixed}
                  aria-describedby={isFixed ? `${rowId}-fixed` : undefined}
                  onChange={(e) => change(person.personId, { isInvited: e.target.checked })}
                />
                <span>
                  <strong>{person.displayName}</strong>{' '}
                  <ParticipantLabel role={person.role} organisation={person.organisation} />
                </span>
              </label>
              {isFixed && (
                <span id={`${rowId}-fixed`} className="hint">
                  {person.role === 'patient'
                    ? t('schedule.participants.patientAlways')
                    : t('schedule.participants.organiser')}
                </span>
              )}
              {(p.isInvited || isFixed) && (
                <span className="participant-options">
                  <label htmlFor={`${rowId}-required`} className="visually-hidden">
                    {t('schedule.participants.needed', { name: person.displayName })}
                  </label>
                  <select
                    id={`${rowId}-required`}
                    name={`required-${person.personId}`}
                    value={p.required ? 'required' : 'optional'}
                    onChange={(e) =>
                      change(person.personId, {
                        isInvited: true,
                        required: e.target.value === 'required',
                      })
                    }
                  >
                    <option value="required">{t('schedule.participants.required')}</option>
                    <option value="optional">{t('schedule.participants.optional')}</option>
                  </select>
                  {person.role === 'interpreter' && (
                    <>
                      <label htmlFor={`${rowId}-language`}>
                        {t('schedule.participants.interpreterLanguage')}
                      </label>
                      <input
                        id={`${rowId}-language`}
                        name={`language-${person.personId}`}
                        list={`${id}-languages`}
                        pattern="[a-z]{2,3}(-[A-Z]{2})?"
                        size={6}
                        placeholder={t('schedule.participants.languagePlaceholder')}
                        value={p.interpreterLanguage}
                        onChange={(e) =>
                          change(person.personId, { interpreterLanguage: e.target.value.trim() })
                        }
                      />
                    </>
                  )}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
