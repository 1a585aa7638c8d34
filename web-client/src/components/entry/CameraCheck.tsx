import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import type { DeviceCheckState } from '../../entry/DeviceCheck.ts';
import { CheckStatus } from './CheckStatus.tsx';

/** The camera: a preview of oneself, or why there is none and what to do. */
export function CameraCheck(props: { state: DeviceCheckState; onRetry: () => void }) {
  const { state, onRetry } = props;
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const { camera, stream } = state;

  useEffect(() => {
    const element = video.current;

    if (!element || !stream) return;

    element.srcObject = new MediaStream(stream.getVideoTracks());
    element.play().catch(() => {
      // Starts once the page may play; it is muted, so that is at once.
    });

    return () => {
      element.srcObject = null;
    };
  }, [stream, camera]);

  return (
    <section
      className="check"
      aria-labelledby="check-camera"
      data-check="camera"
      data-result={camera}
    >
      <h2 id="check-camera">{t('precheck.camera.title')}</h2>
      {camera === 'ok' && (
        <figure>
          <video ref={video} autoPlay muted playsInline className="mirror" />
          <figcaption>{t('precheck.camera.preview')}</figcaption>
        </figure>
      )}
      {camera === 'checking' && <CheckStatus tone="pending">{t('precheck.checking')}</CheckStatus>}
      {camera === 'ok' && <CheckStatus tone="ok">{t('precheck.camera.ok')}</CheckStatus>}
      {(camera === 'denied' || camera === 'missing') && (
        <>
          <CheckStatus tone="problem">{t(`precheck.camera.${camera}`)}</CheckStatus>
          <p className="help">{t(`precheck.camera.${camera}Help`)}</p>
          <button type="button" onClick={onRetry}>
            {t('precheck.tryAgain')}
          </button>
        </>
      )}
    </section>
  );
}
