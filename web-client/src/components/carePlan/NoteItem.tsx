import type { PlanNote } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '../../carePlan/dates.ts';
import { personName } from '../../carePlan/directory.ts';
import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

/** A note or a decision, with who wrote it, when, and whether in this meeting. */
export function NoteItem({ note }: { note: PlanNote }) {
  const { t, i18n } = useTranslation();
  const { directory, saving, meetingId } = usePlan();
  const author = personName(directory, note.authorId);
  const when = formatDateTime(note.recordedAt, i18n.language);

  return (
    <li className={`note kind-${note.kind}`}>
      <p className="meta">
        <strong>{t(`carePlan.noteKind.${note.kind}`)}</strong>
        {author && <> · {author}</>}
        {when && <> · {when}</>}
        {note.meetingId && (
          <>
            {' · '}
            {meetingId && note.meetingId === meetingId
              ? t('carePlan.inThisMeeting')
              : t('carePlan.inAMeeting')}
          </>
        )}
        {saving.has(note.id) && <Saving />}
      </p>
      <p className="note-text" lang="nb">
        {note.text}
      </p>
    </li>
  );
}
