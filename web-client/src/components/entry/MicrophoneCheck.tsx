import { useTranslation } from 'react-i18next';

import type { DeviceCheckState } from '../../entry/DeviceCheck.ts';
import { CheckStatus } from './CheckStatus.tsx';

/** The microphone: a level meter that moves with the voice, or why it cannot, and what to do. */
export function MicrophoneCheck(props: {
  state: DeviceCheckState;
  onRetry: () => void;
  onResume: () => void;
}) {
  const { state, onRetry, onResume } = props;
  const { t } = useTranslation();
  const { microphone, level, hasHeardSound, isAudioHeldBack } = state;
  const result = microphone === 'ok' && !hasHeardSound ? 'silent' : microphone;

  return (
    <section
      className="check"
      aria-labelledby="check-microphone"
      data-check="microphone"
      data-result={microphone === 'ok' && hasHeardSound ? 'ok' : result}
    >
      <h2 id="check-microphone">{t('precheck.microphone.title')}</h2>
      {microphone === 'ok' && (
        <>
          <p>{t('precheck.microphone.speak')}</p>
          <meter
            className="level"
            min={0}
            max={1}
            low={0.1}
            value={level}
            aria-label={t('precheck.microphone.level')}
          />
        </>
      )}
      {microphone === 'checking' && (
        <CheckStatus tone="pending">{t('precheck.checking')}</CheckStatus>
      )}
      {microphone === 'ok' && hasHeardSound && (
        <CheckStatus tone="ok">{t('precheck.microphone.ok')}</CheckStatus>
      )}
      {result === 'silent' &&
        (isAudioHeldBack ? (
          <button type="button" onClick={onResume}>
            {t('precheck.microphone.start')}
          </button>
        ) : (
          <p className="help">{t('precheck.microphone.silentHelp')}</p>
        ))}
      {(microphone === 'denied' || microphone === 'missing') && (
        <>
          <CheckStatus tone="problem">{t(`precheck.microphone.${microphone}`)}</CheckStatus>
          <p className="help">{t(`precheck.microphone.${microphone}Help`)}</p>
          <button type="button" onClick={onRetry}>
            {t('precheck.tryAgain')}
          </button>
        </>
      )}
    </section>
  );
}
