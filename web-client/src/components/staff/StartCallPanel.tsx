import type { Invitee } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { meetingHref, navigate } from '../../lib/navigation.ts';
import { isStaffRole } from '../../lib/tokenClaims.ts';
import { useStore } from '../../lib/useStore.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';
import { RingCallStatus } from './RingCallStatus.tsx';

/**
 * "Start video meeting now": the team member picks colleagues of the patient's care team, rings
 * those who are online, and goes into the new meeting, where each call's answer shows.
 */
export function StartCallPanel(props: {
  connection: StaffConnection;
  patientId: string;
  invitees: Invitee[];
}) {
  const { connection, patientId, invitees } = props;
  const { t } = useTranslation();
  const id = useId();
  const ring = useStore(connection.outgoing.state);
  const team = invitees.filter((i) => isStaffRole(i.role) && i.personId !== connection.personId);
  const [chosen, setChosen] = useState<Set<string>>(new Set());

  const toggle = (personId: string, isChosen: boolean) => {
    const next = new Set(chosen);

    if (isChosen) next.add(personId);
    else next.delete(personId);
    setChosen(next);
  };

  const start = (event: FormEvent) => {
    event.preventDefault();
    if (chosen.size === 0) return;

    void connection.outgoing.start(patientId, [...chosen]).then((meetingId) => {
      if (meetingId) navigate(`${meetingHref(meetingId)}#precheck=0`);
    });
  };

  return (
    <section className="start-call" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('ring.start.title')}</h2>
      {team.length === 0 ? (
        <p>{t('ring.start.nobody')}</p>
      ) : (
        <form onSubmit={start}>
          <fieldset>
            <legend>{t('ring.start.choose')}</legend>
            {team.map((person) => (
              <label key={person.personId} className="check">
                <input
                  type="checkbox"
                  name="ring"
                  value={person.personId}
                  checked={chosen.has(person.personId)}
                  onChange={(e) => toggle(person.personId, e.target.checked)}
                />
                <span>
                  {person.displayName}{' '}
                  <ParticipantLabel role={person.role} organisation={person.organisation} />
                </span>
              </label>
            ))}
          </fieldset>
          <button
            type="submit"
            className="primary"
            disabled={chosen.size === 0 || ring.status === 'starting' || ring.status === 'ringing'}
          >
            {t('ring.start.button')}
          </button>
          <p className="hint">{t('ring.start.hint')}</p>
        </form>
      )}
      {ring.status === 'failed' && ring.problem && <p role="alert">{t(ring.problem)}</p>}
      {ring.patientId === patientId && <RingCallStatus ring={connection.outgoing} />}
    </section>
  );
}
