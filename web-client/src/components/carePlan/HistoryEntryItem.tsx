import type { CarePlan, PlanDirectory, PlanHistoryEntry } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '../../carePlan/dates.ts';
import { describeOperation, roleWords } from '../../carePlan/words.ts';

interface Props {
  entry: PlanHistoryEntry;
  /** The plan as it is now, to name the goals and actions an entry refers to. */
  plan: CarePlan | null;
  directory: PlanDirectory;
  onShow: () => void;
}

/** One change: who made it, in which role, when, and what it did, in plain words. */
export function HistoryEntryItem({ entry, plan, directory, onShow }: Props) {
  const { t, i18n } = useTranslation();
  const role = roleWords(t, entry.authorRole);
  const what = describeOperation({ t, language: i18n.language, directory, plan }, entry.operation);

  return (
    <li className="history-entry">
      <p className="meta">
        <strong>{entry.authorName || t('carePlan.unknownPerson')}</strong>
        {role && <> ({role})</>} · {formatDateTime(entry.appliedAt, i18n.language)}
      </p>
      <p lang="nb">{what}</p>
      <button type="button" className="edit" onClick={onShow}>
        {t('carePlan.history.show')}
        <span className="visually-hidden">
          {' '}
          {t('carePlan.history.afterChange', { version: entry.version })}
        </span>
      </button>
    </li>
  );
}
