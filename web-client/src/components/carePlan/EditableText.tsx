import { useEffect, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

interface Props {
  /** The heading that names this text; it also labels the text box. */
  labelId: string;
  label: string;
  text: string;
  canEdit: boolean;
  isSaving: boolean;
  isQuote: boolean;
  /** Called with the new text and the plan version the editing started from. */
  onSave: (text: string, baseVersion: number) => void;
}

interface Draft {
  text: string;
  /** What the text was when editing began, and in which plan version. */
  original: string;
  baseVersion: number;
}

/**
 * A text of the plan shown as text, and edited in place on request. The change is based on the
 * version editing started from, so that the server refuses it, rather than overwriting, if
 * someone else changed the same text meanwhile.
 */
export function EditableText(props: Props) {
  const { t } = useTranslation();
  const { plan } = usePlan();
  const [draft, setDraft] = useState<Draft | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const wasEditing = useRef(false);
  const isEditing = draft !== null;

  useEffect(() => {
    if (isEditing && box.current) {
      const end = box.current.value.length;

      // The caret after the text: most edits add to what is there.
      box.current.focus();
      box.current.setSelectionRange(end, end);
    } else if (wasEditing.current) {
      editButton.current?.focus();
    }
    wasEditing.current = isEditing;
  }, [isEditing]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;

    if (draft.text.trim() !== draft.original.trim()) props.onSave(draft.text, draft.baseVersion);
    setDraft(null);
  };
  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setDraft(null);
  };

  if (draft) {
    return (
      <form className="edit-text" onSubmit={save} onKeyDown={cancelOnEscape}>
        <textarea
          ref={box}
          aria-labelledby={props.labelId}
          value={draft.text}
          maxLength={4000}
          rows={5}
          lang="nb"
          onChange={(e) => setDraft({ ...draft, text: e.target.value })}
        />
        {props.text !== draft.original && (
          <p className="warn-text">{t('carePlan.changedWhileEditing')}</p>
        )}
        <div className="buttons">
          <button type="submit" className="primary">
            {t('carePlan.save')}
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            {t('carePlan.cancel')}
          </button>
        </div>
      </form>
    );
  }

  const Text = props.isQuote ? 'blockquote' : 'p';

  return (
    <>
      {props.text.trim() ? (
        // What the team writes is in Norwegian, whatever language the page is shown in.
        <Text className="section-text" lang="nb">
          {props.text}
        </Text>
      ) : (
        <p className="muted">{t('carePlan.empty')}</p>
      )}
      {props.isSaving && <Saving />}
      {props.canEdit && (
        <button
          ref={editButton}
          type="button"
          className="edit"
          onClick={() =>
            setDraft({ text: props.text, original: props.text, baseVersion: plan.version })
          }
        >
          {t('carePlan.edit')}
          <span className="visually-hidden"> {props.label}</span>
        </button>
      )}
    </>
  );
}
