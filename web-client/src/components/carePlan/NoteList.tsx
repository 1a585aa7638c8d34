import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { noteKindsFor } from '../../carePlan/planView.ts';
import { AddNoteForm } from './AddNoteForm.tsx';
import { NoteItem } from './NoteItem.tsx';
import { usePlan } from './PlanContext.tsx';

/** Notes and decisions, newest first; the patient may add notes of their own. */
export function NoteList() {
  const { t } = useTranslation();
  const { store, plan, canEdit, canEditOwnWords, isPlain } = usePlan();
  const id = useId();
  const notes = [...plan.notes].reverse();
  const kinds = noteKindsFor({ canEdit, canEditOwnWords });

  return (
    <section className="notes" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.notes') : t('carePlan.notes')}</h3>
      {notes.length === 0 ? (
        <p className="muted">{t('carePlan.noNotes')}</p>
      ) : (
        <ul className="note-list">
          {notes.map((note) => (
            <NoteItem key={note.id} note={note} />
          ))}
        </ul>
      )}
      {store && kinds.length > 0 && <AddNoteForm kinds={kinds} />}
    </section>
  );
}
