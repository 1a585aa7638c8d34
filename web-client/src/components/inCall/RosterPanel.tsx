import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatTime } from '../../lib/osloTime.ts';
import { isStaffRole } from '../../lib/tokenClaims.ts';
import { useStore } from '../../lib/useStore.ts';
import type { RosterStore } from '../../meeting/RosterStore.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/**
 * Who is in the meeting: every participant's name, role and organisation, shown at the start of
 * the meeting. The meeting leader confirms that everyone has been introduced, which is recorded;
 * team members can send a patient, relative or interpreter back to the waiting room.
 */
export function RosterPanel(props: {
  store: RosterStore;
  selfPeerId: string | null;
  isStaff: boolean;
  onSendBack: (peerId: string) => Promise<void>;
}) {
  const { store, selfPeerId, isStaff, onSendBack } = props;
  const { t, i18n } = useTranslation();
  const { roster, isConfirming, problem } = useStore(store.state);
  const [isOpen, setOpen] = useState(true);
  const confirmation = roster?.introductions ?? null;
  const isLeader = roster !== null && roster.leaderPeerId === selfPeerId;

  // Open at the start of the meeting; folds away once everyone has been introduced.
  const confirmedAt = confirmation?.confirmedAt ?? null;

  useEffect(() => {
    if (confirmedAt) setOpen(false);
  }, [confirmedAt]);

  if (!roster) return null;

  const everyoneIntroduced = roster.participants.every((p) => p.isIntroduced);

  return (
    <section className="roster" aria-labelledby="roster-title" data-testid="roster">
      <div className="roster-head">
        <h2 id="roster-title">{t('roster.title', { count: roster.participants.length })}</h2>
        <button
          type="button"
          aria-expanded={isOpen}
          aria-controls="roster-list"
          onClick={() => setOpen(!isOpen)}
        >
          {isOpen ? t('roster.hide') : t('roster.show')}
        </button>
      </div>
      <p role="status" className="introductions">
        {confirmation
          ? t(everyoneIntroduced ? 'roster.confirmed' : 'roster.confirmedSomeNew', {
              name: confirmation.confirmedBy.displayName,
              time: formatTime(confirmation.confirmedAt, i18n.language),
            })
          : t('roster.notConfirmed')}
      </p>
      <ul id="roster-list" hidden={!isOpen}>
        {roster.participants.map((p) => (
          <li key={p.peerId}>
            <span>
              <strong>{p.displayName}</strong>
              {p.peerId === selfPeerId && ` (${t('meeting.you')})`}{' '}
              <ParticipantLabel role={p.role} organisation={p.organisation} />
              {p.peerId === roster.leaderPeerId && (
                <span className="badge">{t('roster.leader')}</span>
              )}
              {p.isIntroduced && <span className="badge introduced">{t('roster.introduced')}</span>}
            </span>
            {isStaff && !isStaffRole(p.role) && (
              <button type="button" onClick={() => void onSendBack(p.peerId).catch(() => {})}>
                {t('roster.sendBack', { name: p.displayName })}
              </button>
            )}
          </li>
        ))}
      </ul>
      {isLeader && !everyoneIntroduced && (
        <button
          type="button"
          className="primary"
          disabled={isConfirming}
          onClick={() => void store.confirmIntroductions()}
        >
          {t('roster.confirm')}
        </button>
      )}
      {problem && <p role="alert">{t(problem)}</p>}
    </section>
  );
}
