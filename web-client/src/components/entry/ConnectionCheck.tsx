import { useTranslation } from 'react-i18next';

import type { ConnectionResult } from '../../entry/connectionProbe.ts';
import { CheckStatus } from './CheckStatus.tsx';

/** The connection to Teamrom, and what to do when the network blocks it. */
export function ConnectionCheck(props: {
  result: ConnectionResult | 'checking';
  onRetry: () => void;
}) {
  const { result, onRetry } = props;
  const { t } = useTranslation();

  return (
    <section
      className="check"
      aria-labelledby="check-connection"
      data-check="connection"
      data-result={result}
    >
      <h2 id="check-connection">{t('precheck.connection.title')}</h2>
      {result === 'checking' && <CheckStatus tone="pending">{t('precheck.checking')}</CheckStatus>}
      {result === 'ok' && <CheckStatus tone="ok">{t('precheck.connection.ok')}</CheckStatus>}
      {result !== 'ok' && result !== 'checking' && (
        <>
          <CheckStatus tone="problem">{t(`precheck.connection.${result}`)}</CheckStatus>
          <p className="help">{t(`precheck.connection.${result}Help`)}</p>
          <button type="button" onClick={onRetry}>
            {t('precheck.tryAgain')}
          </button>
        </>
      )}
    </section>
  );
}
