import type { WorklistRowError } from '@teamrom/signaling/protocol';
import { WORKLIST_CSV_COLUMNS } from '@teamrom/signaling/protocol';
import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { errorKey } from '../../lib/useAsync.ts';
import { rowErrorText } from '../../staff/rowErrorText.ts';
import { rowErrorsOf } from '../../staff/worklistApi.ts';

type Outcome =
  | { kind: 'imported'; count: number }
  | { kind: 'rows'; rows: WorklistRowError[] }
  | { kind: 'failed'; key: string };

/**
 * Importing people from a CSV file. The file is taken whole or not at all: when any row is bad,
 * nothing is imported and every bad row is listed with what is wrong with it.
 */
export function CsvImportForm({ onImport }: { onImport: (csv: string) => Promise<number> }) {
  const { t } = useTranslation();
  const id = useId();
  const file = useRef<HTMLInputElement>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [isSending, setSending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();

    const chosen = file.current?.files?.[0];

    if (!chosen) return;

    setSending(true);
    setOutcome(null);
    try {
      setOutcome({ kind: 'imported', count: await onImport(await chosen.text()) });
    } catch (error) {
      const rows = rowErrorsOf(error);

      setOutcome(rows ? { kind: 'rows', rows } : { kind: 'failed', key: errorKey(error) });
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="csv-import" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('worklist.import.title')}</h2>
      <p className="hint" id={`${id}-columns`}>
        {t('worklist.import.columns', { columns: WORKLIST_CSV_COLUMNS.join(', ') })}
      </p>
      <label htmlFor={`${id}-file`}>{t('worklist.import.file')}</label>
      <input
        id={`${id}-file`}
        ref={file}
        name="csv"
        type="file"
        accept=".csv,text/csv"
        required
        aria-describedby={`${id}-columns`}
      />
      <button type="submit" className="primary" disabled={isSending}>
        {t('worklist.import.submit')}
      </button>
      <div role="status" aria-live="polite">
        {outcome?.kind === 'imported' && (
          <p className="confirmation">{t('worklist.import.done', { count: outcome.count })}</p>
        )}
        {outcome?.kind === 'failed' && <p className="warn-text">{t(outcome.key)}</p>}
      </div>
      {outcome?.kind === 'rows' && (
        <div role="alert" className="row-errors">
          <p>{t('worklist.import.refused', { count: outcome.rows.length })}</p>
          <ul>
            {outcome.rows.map((row) => (
              <li key={row.line}>
                <strong>{t('worklist.import.line', { line: row.line })}</strong>
                <ul>
                  {row.errors.map((problem, index) => (
                    <li key={index}>
                      <RowProblem problem={problem} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

/** One thing wrong with a row: in the page's language when known, else as the server wrote it. */
function RowProblem({ problem }: { problem: WorklistRowError['errors'][number] }) {
  const { t } = useTranslation();
  const text = rowErrorText(problem);
  const column = problem.column && <>{t('worklist.import.column', { column: problem.column })} </>;

  if (text) {
    return (
      <>
        {column}
        {t(text.key, text.values)}
      </>
    );
  }

  return (
    <>
      {column}
      {t('worklist.import.inEnglish')} <span lang="en">{problem.message}</span>
    </>
  );
}
