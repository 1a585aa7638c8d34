import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { RemoteParticipant } from '../meeting/MeetingSession.ts';

/** Tells screen-reader users who joins and who leaves. */
export function Announcer({ participants }: { participants: RemoteParticipant[] }) {
  const { t } = useTranslation();
  const previous = useRef(new Map<string, string>());
  const [message, setMessage] = useState('');

  useEffect(() => {
    const now = new Map(participants.map((p) => [p.peerId, p.displayName]));

    for (const [id, name] of now) {
      if (!previous.current.has(id)) setMessage(t('meeting.joined', { name }));
    }
    for (const [id, name] of previous.current) {
      if (!now.has(id)) setMessage(t('meeting.left', { name }));
    }
    previous.current = now;
  }, [participants, t]);

  return (
    <div className="visually-hidden" aria-live="polite">
      {message}
    </div>
  );
}
