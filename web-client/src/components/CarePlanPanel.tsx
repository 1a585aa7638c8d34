import type { CarePlanAction, ResponsibleParty } from '@teamrom/signaling/protocol';
import { RESPONSIBLE_PARTIES } from '@teamrom/signaling/protocol';
import { useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { CarePlanStore } from '../carePlan/CarePlanStore.ts';
import { useStore } from '../lib/useStore.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';

interface Props {
  socket: TeamromSocket;
  planId: string;
  canEdit: boolean;
  /** The patient's view: plain language, large text, nothing to edit. */
  isPlain: boolean;
}

export function CarePlanPanel({ socket, planId, canEdit, isPlain }: Props) {
  const { t } = useTranslation();
  const [store, setStore] = useState<CarePlanStore | null>(null);

  useEffect(() => {
    const created = new CarePlanStore(socket, planId);

    setStore(created);

    return () => created.dispose();
  }, [socket, planId]);

  return (
    // Focusable, so that someone using only a keyboard can scroll a long plan.
    <aside
      className={`careplan${isPlain ? ' plain' : ''}`}
      aria-labelledby="careplan-title"
      tabIndex={0}
    >
      <h2 id="careplan-title">{t('carePlan.title')}</h2>
      {store && <PlanContent store={store} canEdit={canEdit && !isPlain} isPlain={isPlain} />}
    </aside>
  );
}

function PlanContent(props: { store: CarePlanStore; canEdit: boolean; isPlain: boolean }) {
  const { store, canEdit, isPlain } = props;
  const { t } = useTranslation();
  const { status, plan, pending, notice } = useStore(store.state);

  if (status === 'loading' && !plan) return <p role="status">{t('carePlan.loading')}</p>;
  if (status === 'unavailable' || !plan) return <p role="alert">{t('carePlan.unavailable')}</p>;

  const pendingIds = new Set(
    pending.map((p) => ('actionId' in p.operation ? p.operation.actionId : '')),
  );

  return (
    <>
      {notice && (
        <div className="notice" role="alert">
          <p>{t(notice.key, translateValues(t, notice.values))}</p>
          <button type="button" onClick={() => store.dismissNotice()}>
            {t('carePlan.dismiss')}
          </button>
        </div>
      )}
      <section aria-labelledby="what-matters">
        <h3 id="what-matters">
          {isPlain ? t('carePlan.whatMatters') : t('carePlan.whatMattersToPatient')}
        </h3>
        {/* What the team writes is in Norwegian, whatever language the page is shown in. */}
        <blockquote lang="nb">{plan.whatMatters}</blockquote>
      </section>
      <section aria-labelledby="goals">
        <h3 id="goals">{t('carePlan.goals')}</h3>
        <ol className="goals">
          {plan.goals.map((goal) => (
            <li key={goal.id}>
              <span lang="nb">{goal.description}</span>{' '}
              <span className={`priority ${goal.priority}`}>
                {t(`carePlan.priority.${goal.priority}`)}
              </span>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="actions">
        <h3 id="actions">{t('carePlan.actions')}</h3>
        <ul className="actions" data-testid="careplan-actions">
          {plan.actions.map((action) => (
            <ActionItem
              key={action.id}
              action={action}
              canEdit={canEdit}
              isSaving={pendingIds.has(action.id)}
              onToggle={(done) => store.setActionStatus(action.id, done ? 'done' : 'open')}
            />
          ))}
          {pending
            .filter((p) => p.operation.type === 'action.add')
            .map((p) => (
              <li key={p.idempotencyKey} className="pending">
                {'description' in p.operation ? p.operation.description : ''}{' '}
                <em>{t('carePlan.saving')}</em>
              </li>
            ))}
        </ul>
        {canEdit && <AddActionForm goals={plan.goals} onAdd={(input) => store.addAction(input)} />}
      </section>
      {canEdit && <p className="muted small">{t('carePlan.version', { version: plan.version })}</p>}
    </>
  );
}

function ActionItem(props: {
  action: CarePlanAction;
  canEdit: boolean;
  isSaving: boolean;
  onToggle: (done: boolean) => void;
}) {
  const { t, i18n } = useTranslation();
  const { action } = props;
  const isDone = action.status === 'done';

  const status = isDone ? t('carePlan.statusDone') : t('carePlan.statusOpen');
  const meta = (
    <span className="meta">
      {t(`carePlan.party.${action.responsible}`)}
      {props.canEdit && <> · {status}</>}
      {action.dueDate && (
        <> · {t('carePlan.due', { date: formatDate(action.dueDate, i18n.language) })}</>
      )}
      {props.isSaving && <em> {t('carePlan.saving')}</em>}
    </span>
  );

  if (!props.canEdit) {
    return (
      <li className={isDone ? 'done' : undefined} data-action-id={action.id}>
        <span className="status-word">{status}:</span>{' '}
        <span className="description" lang="nb">
          {action.description}
        </span>
        {meta}
      </li>
    );
  }

  return (
    <li className={isDone ? 'done' : undefined} data-action-id={action.id}>
      <label>
        <input
          type="checkbox"
          checked={isDone}
          onChange={(e) => props.onToggle(e.target.checked)}
          aria-label={t('carePlan.markDone', { description: action.description })}
        />
        <span className="description" lang="nb">
          {action.description}
        </span>
      </label>
      {meta}
    </li>
  );
}

/** A plan date ('2026-12-20') as people of the page's language write it. */
function formatDate(date: string, language: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];

  return new Intl.DateTimeFormat(language === 'nb' ? 'nb-NO' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(year, month - 1, day));
}

function AddActionForm(props: {
  goals: { id: string; description: string }[];
  onAdd: (input: {
    description: string;
    responsible: ResponsibleParty;
    goalId: string | null;
  }) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [description, setDescription] = useState('');
  const [responsible, setResponsible] = useState<ResponsibleParty>('municipality');
  const [goalId, setGoalId] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();

    const text = description.trim();

    if (!text) return;

    props.onAdd({ description: text, responsible, goalId: goalId || null });
    setDescription('');
  };

  return (
    <form className="add-action" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('carePlan.addAction')}</h4>
      <label htmlFor={`${id}-text`}>{t('carePlan.newAction')}</label>
      <input
        id={`${id}-text`}
        name="description"
        value={description}
        maxLength={500}
        required
        onChange={(e) => setDescription(e.target.value)}
      />
      <label htmlFor={`${id}-responsible`}>{t('carePlan.responsible')}</label>
      <select
        id={`${id}-responsible`}
        name="responsible"
        value={responsible}
        onChange={(e) => setResponsible(e.target.value as ResponsibleParty)}
      >
        {RESPONSIBLE_PARTIES.map((party) => (
          <option key={party} value={party}>
            {t(`carePlan.party.${party}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-goal`}>{t('carePlan.forGoal')}</label>
      <select
        id={`${id}-goal`}
        name="goal"
        value={goalId}
        onChange={(e) => setGoalId(e.target.value)}
      >
        <option value="">{t('carePlan.noGoal')}</option>
        {props.goals.map((goal) => (
          <option key={goal.id} value={goal.id}>
            {goal.description}
          </option>
        ))}
      </select>
      <button type="submit" className="primary">
        {t('carePlan.add')}
      </button>
    </form>
  );
}

/** A conflict reports the status as a code ('done'); show it in words. */
function translateValues(
  t: (key: string) => string,
  values: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!values?.status) return values;

  const status = values.status === 'done' ? t('carePlan.statusDone') : t('carePlan.statusOpen');

  return { ...values, status };
}
