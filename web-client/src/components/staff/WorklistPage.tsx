import { useTranslation } from 'react-i18next';

import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { worklistApi } from '../../staff/worklistApi.ts';
import { PageTitle } from '../PageTitle.tsx';
import { CsvImportForm } from './CsvImportForm.tsx';
import { ThresholdsForm } from './ThresholdsForm.tsx';
import { WorklistTable } from './WorklistTable.tsx';

/**
 * Patients who may need a patient-centred team: each flagged one with the reasons, the thresholds
 * that decide it, and the import of a list from a CSV file.
 */
export function WorklistPage({ connection }: { connection: StaffConnection }) {
  const { t } = useTranslation();
  const worklist = useAsync(() => worklistApi.list(connection.token), [connection]);

  return (
    <>
      <PageTitle>{t('worklist.title')}</PageTitle>
      <p className="lead">{t('worklist.intro')}</p>
      {worklist.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {worklist.error && (
        <p role="alert">
          {t(worklist.error === 'errors.forbidden' ? 'worklist.forbidden' : worklist.error)}
        </p>
      )}
      {worklist.data && (
        <div className="worklist">
          <WorklistTable worklist={worklist.data} />
          <ThresholdsForm
            key={JSON.stringify(worklist.data.thresholds)}
            worklist={worklist.data}
            onSave={(thresholds) =>
              worklistApi.setThresholds(connection.token, thresholds).then(worklist.set)
            }
          />
          <CsvImportForm
            onImport={(csv) =>
              worklistApi.importCsv(connection.token, csv).then((result) => {
                worklist.set(result.worklist);

                return result.imported;
              })
            }
          />
        </div>
      )}
    </>
  );
}
