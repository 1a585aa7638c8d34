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
    const changes = [
      ...[...now]
        .filter(([id]) => !previous.current.has(id))
        .map(([, name]) => t('meeting.joined', { name })),
      ...[...previous.current]
        .filter(([id]) => !now.has(id))
        .map(([, name]) => t('meeting.left', { name })),
    ];

    // Several people arriving at once are announced together, not only the last of them.
    if (changes.length > 0) setMessage(changes.join('. '));
    previous.current = now;
  }, [participants, t]);

  return (
    <div className="visually-hidden" aria-live="polite">
      {message}
    </div>
  );
}
