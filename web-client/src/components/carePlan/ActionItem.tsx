import type { ActionStatus, CarePlanAction } from '@teamrom/signaling/protocol';
import { ACTION_STATUSES } from '@teamrom/signaling/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDate, isOverdue } from '../../carePlan/dates.ts';
import { responsibleName } from '../../carePlan/directory.ts';
import { ActionEditForm } from './ActionEditForm.tsx';
import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

/** One action: what, who, by when (overdue said in words, not only by colour), and its status. */
export function ActionItem({ action }: { action: CarePlanAction }) {
  const { t, i18n } = useTranslation();
  const { store, directory, saving, canEdit, isPlain, today } = usePlan();
  const id = useId();
  const [isEditing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  const isEditable = canEdit && store !== null;
  const isLate = isOverdue(action, today);
  const who = responsibleName(directory, action.responsible) ?? t('carePlan.unknownPerson');
  const status = isPlain
    ? t(`carePlan.plain.actionStatus.${action.status}`)
    : t(`carePlan.actionStatus.${action.status}`);

  useEffect(() => {
    if (!isEditing && wasEditing.current) editButton.current?.focus();
    wasEditing.current = isEditing;
  }, [isEditing]);

  return (
    <li
      className={`action status-${action.status}${isLate ? ' overdue' : ''}`}
      data-action-id={action.id}
    >
      <p className="description" id={`${id}-text`} lang="nb">
        {action.description}
        {saving.has(action.id) && <Saving />}
      </p>
      <ul className="meta">
        <li>
          {isPlain ? t('carePlan.plain.who') : t('carePlan.responsible')}: {who}
        </li>
        {action.dueDate && (
          <li className={isLate ? 'late' : undefined}>
            {isLate && (
              <strong>
                <span aria-hidden="true">⚠ </span>
                {t('carePlan.overdue')}:{' '}
              </strong>
            )}
            {t(isPlain ? 'carePlan.plain.due' : 'carePlan.due', {
              date: formatDate(action.dueDate, i18n.language),
            })}
          </li>
        )}
        {!isEditable && (
          <li>
            <span className="status-word">{status}</span>
          </li>
        )}
      </ul>
      {isEditable && (
        <div className="action-controls">
          <label htmlFor={`${id}-status`}>{t('carePlan.field.action.status')}</label>
          <select
            id={`${id}-status`}
            aria-describedby={`${id}-text`}
            value={action.status}
            onChange={(e) => store?.setActionStatus(action.id, e.target.value as ActionStatus)}
          >
            {ACTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`carePlan.actionStatus.${s}`)}
              </option>
            ))}
          </select>
          {!isEditing && (
            <button
              ref={editButton}
              type="button"
              className="edit"
              onClick={() => setEditing(true)}
            >
              {t('carePlan.editAction')}
              <span className="visually-hidden"> {action.description}</span>
            </button>
          )}
        </div>
      )}
      {isEditable && isEditing && (
        <ActionEditForm action={action} onDone={() => setEditing(false)} />
      )}
    </li>
  );
}
