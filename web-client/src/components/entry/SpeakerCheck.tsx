import { useTranslation } from 'react-i18next';

import type { SpeakerResult } from '../../entry/DeviceCheck.ts';
import { CheckStatus } from './CheckStatus.tsx';

/** The speakers: a test tone, and the person says whether they heard it. */
export function SpeakerCheck(props: {
  result: SpeakerResult;
  onPlay: () => void;
  onAnswer: (isHeard: boolean) => void;
}) {
  const { result, onPlay, onAnswer } = props;
  const { t } = useTranslation();

  return (
    <section
      className="check"
      aria-labelledby="check-speaker"
      data-check="speaker"
      data-result={result}
    >
      <h2 id="check-speaker">{t('precheck.speaker.title')}</h2>
      {result !== 'asking' && (
        <button type="button" className="large" onClick={onPlay} disabled={result === 'playing'}>
          {result === 'untested' ? t('precheck.speaker.play') : t('precheck.speaker.playAgain')}
        </button>
      )}
      {result === 'playing' && (
        <CheckStatus tone="pending">{t('precheck.speaker.playing')}</CheckStatus>
      )}
      {result === 'asking' && (
        <fieldset className="question">
          <legend>{t('precheck.speaker.question')}</legend>
          <button type="button" className="large" onClick={() => onAnswer(true)} autoFocus>
            {t('precheck.speaker.yes')}
          </button>
          <button type="button" className="large" onClick={() => onAnswer(false)}>
            {t('precheck.speaker.no')}
          </button>
        </fieldset>
      )}
      {result === 'heard' && <CheckStatus tone="ok">{t('precheck.speaker.ok')}</CheckStatus>}
      {result === 'notHeard' && (
        <>
          <CheckStatus tone="problem">{t('precheck.speaker.notHeard')}</CheckStatus>
          <p className="help">{t('precheck.speaker.notHeardHelp')}</p>
        </>
      )}
      {result === 'failed' && (
        <CheckStatus tone="problem">{t('precheck.speaker.failed')}</CheckStatus>
      )}
    </section>
  );
}
