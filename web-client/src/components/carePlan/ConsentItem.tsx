import type { Consent } from '@teamrom/signaling/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDate, formatDateTime } from '../../carePlan/dates.ts';

interface Props {
  consent: Consent;
  canWithdraw: boolean;
  isBusy: boolean;
  isPlain: boolean;
  onWithdraw: () => Promise<boolean>;
}

/** One consent: what and to whom, when given, who wrote it down, and whether it is withdrawn. */
export function ConsentItem({ consent, canWithdraw, isBusy, isPlain, onWithdraw }: Props) {
  const { t, i18n } = useTranslation();
  const [isConfirming, setConfirming] = useState(false);
  const withdrawButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  const to = consent.granteeName ?? t('consent.unknownGrantee');
  const isWithdrawn = consent.withdrawnAt !== null;

  useEffect(() => {
    if (isConfirming) confirmButton.current?.focus();
    else if (wasConfirming.current) withdrawButton.current?.focus();
    wasConfirming.current = isConfirming;
  }, [isConfirming]);

  const what =
    consent.scope === 'individual_plan'
      ? t(isPlain ? 'consent.plain.individualPlan' : 'consent.scope.individual_plan')
      : t(isPlain ? 'consent.plain.share' : 'consent.shareWith', { name: to });

  return (
    <li className={`consent${isWithdrawn ? ' withdrawn' : ''}`}>
      <p>
        <strong>{what}</strong>
      </p>
      <ul className="meta">
        <li>{t('consent.givenOn', { date: formatDate(consent.givenOn, i18n.language) })}</li>
        <li>{t('consent.recordedBy', { name: consent.recordedByName })}</li>
        <li className="status-word">
          {isWithdrawn
            ? t('consent.withdrawnOn', {
                date: formatDateTime(consent.withdrawnAt ?? '', i18n.language),
              })
            : t('consent.inForce')}
        </li>
      </ul>
      {canWithdraw && !isWithdrawn && !isConfirming && (
        <button ref={withdrawButton} type="button" onClick={() => setConfirming(true)}>
          {t('consent.withdraw')}
          <span className="visually-hidden"> {what}</span>
        </button>
      )}
      {isConfirming && (
        <div className="confirm" role="group" aria-label={t('consent.withdraw')}>
          <p>{t('consent.confirmWithdraw', { what })}</p>
          <div className="buttons">
            <button
              ref={confirmButton}
              type="button"
              className="danger"
              disabled={isBusy}
              onClick={() => void onWithdraw().then(() => setConfirming(false))}
            >
              {t('consent.confirmYes')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('consent.confirmNo')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
