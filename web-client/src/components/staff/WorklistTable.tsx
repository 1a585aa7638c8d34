import type { Worklist, WorklistCandidate } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

/** The people on the worklist, flagged first, each with why they were flagged or not. */
export function WorklistTable({ worklist }: { worklist: Worklist }) {
  const { t } = useTranslation();
  const flagged = worklist.candidates.filter((c) => c.flagged).length;

  return (
    <section aria-labelledby="worklist-list-title">
      <h2 id="worklist-list-title">{t('worklist.list')}</h2>
      <p>{t('worklist.flaggedCount', { flagged, count: worklist.candidates.length })}</p>
      {worklist.candidates.length === 0 ? (
        <p>{t('worklist.empty')}</p>
      ) : (
        <table className="worklist-table" data-testid="worklist">
          <thead>
            <tr>
              <th scope="col">{t('worklist.person')}</th>
              <th scope="col">{t('worklist.flagged')}</th>
              <th scope="col">{t('worklist.why')}</th>
            </tr>
          </thead>
          <tbody>
            {worklist.candidates.map((c) => (
              <CandidateRow key={c.id} candidate={c} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CandidateRow({ candidate: c }: { candidate: WorklistCandidate }) {
  const { t } = useTranslation();

  return (
    <tr className={c.flagged ? 'flagged' : undefined} data-flagged={c.flagged}>
      <th scope="row">
        {c.name}
        <span className="muted small">
          {' '}
          ({c.reference}, {c.municipality})
        </span>
      </th>
      <td>
        <span aria-hidden="true">{c.flagged ? '⚑ ' : ''}</span>
        {c.flagged ? t('worklist.yes') : t('worklist.no')}
      </td>
      <td>
        {c.reasons.length === 0 ? (
          t('worklist.noCriteria')
        ) : (
          <ul className="plain-list">
            {c.reasons.map((r) => (
              <li key={r.criterion}>
                {t(`worklist.reason.${r.criterion}`, { value: r.value, threshold: r.threshold })}
              </li>
            ))}
          </ul>
        )}
        {!c.inServedMunicipality && <p className="muted">{t('worklist.notServed')}</p>}
      </td>
    </tr>
  );
}
