import type { NoteKind } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';

/**
 * A new note, or for the team a decision; written during a meeting, it names the meeting. The kind
 * is chosen only from `kinds`: the patient's form offers none, and writes a note.
 */
export function AddNoteForm({ kinds }: { kinds: readonly NoteKind[] }) {
  const { t } = useTranslation();
  const { store, isPlain } = usePlan();
  const id = useId();
  const [kind, setKind] = useState<NoteKind>('note');
  const [text, setText] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;

    store?.addNote(kinds.includes(kind) ? kind : 'note', text.trim());
    setText('');
  };

  return (
    <form className="plan-form add-note" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{isPlain ? t('carePlan.plain.addNote') : t('carePlan.addNote')}</h4>
      {kinds.length > 1 && (
        <>
          <label htmlFor={`${id}-kind`}>{t('carePlan.noteKindLabel')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(e) => setKind(e.target.value as NoteKind)}
          >
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`carePlan.noteKind.${k}`)}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor={`${id}-text`}>{t('carePlan.noteText')}</label>
      <textarea
        id={`${id}-text`}
        name="note"
        lang="nb"
        rows={3}
        maxLength={4000}
        required
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="primary">
        {t('carePlan.save')}
      </button>
    </form>
  );
}
