import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { LanguageSelect } from './LanguageSelect.tsx';

/** A look at oneself before joining. The full device check comes with the waiting room. */
export function PreJoin({ onJoin }: { onJoin: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [hasCamera, setHasCamera] = useState(true);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let cancelled = false;

    navigator.mediaDevices
      .getUserMedia({ video: { width: 640, height: 360 } })
      .then((s) => {
        if (cancelled) {
          s.getTracks().forEach((track) => track.stop());

          return;
        }
        stream = s;
        if (video.current) video.current.srcObject = s;
      })
      .catch(() => setHasCamera(false));

    return () => {
      cancelled = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  return (
    <div className="page prejoin">
      <header className="topbar">
        <h1>{t('prejoin.title')}</h1>
        <LanguageSelect />
      </header>
      <main id="main">
        {hasCamera ? (
          <figure>
            <video ref={video} autoPlay muted playsInline className="mirror" />
            <figcaption>{t('prejoin.preview')}</figcaption>
          </figure>
        ) : (
          <p role="status">{t('prejoin.noCamera')}</p>
        )}
        <button type="button" className="primary large" onClick={onJoin} autoFocus>
          {t('prejoin.join')}
        </button>
      </main>
    </div>
  );
}
