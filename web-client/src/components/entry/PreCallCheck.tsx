import type { ParticipantRole } from '@teamrom/signaling/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { probeConnection } from '../../entry/connectionProbe.ts';
import { DeviceCheck } from '../../entry/DeviceCheck.ts';
import type { AccessToken } from '../../lib/AccessToken.ts';
import { isStaffRole } from '../../lib/tokenClaims.ts';
import { useStore } from '../../lib/useStore.ts';
import { LanguageSelect } from '../LanguageSelect.tsx';
import { useViewHeading } from '../useViewHeading.ts';
import { CameraCheck } from './CameraCheck.tsx';
import { ConnectionCheck } from './ConnectionCheck.tsx';
import { MicrophoneCheck } from './MicrophoneCheck.tsx';
import { SpeakerCheck } from './SpeakerCheck.tsx';

/**
 * The check before a meeting: camera, microphone, speakers and connection, each with plain help
 * when it fails. Nothing here stops anyone from going on; team members may skip it.
 */
export function PreCallCheck(props: {
  token: AccessToken;
  role: ParticipantRole | null;
  onDone: () => void;
}) {
  const { token, role, onDone } = props;
  const { t } = useTranslation();
  const [check, setCheck] = useState<DeviceCheck | null>(null);
  const isStaff = isStaffRole(role);
  const heading = useViewHeading(t('precheck.title'), 'precheck');

  useEffect(() => {
    const created = new DeviceCheck(() => probeConnection(token.current));

    setCheck(created);
    created.start();

    return () => created.dispose();
  }, [token]);

  return (
    <div className={`page entry precheck${isStaff ? '' : ' plain'}`}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <h1 ref={heading} tabIndex={-1}>
          {t('precheck.title')}
        </h1>
        <LanguageSelect />
      </header>
      <main id="main">
        <p className="lead">{t('precheck.intro')}</p>
        {isStaff && (
          <p>
            <button type="button" onClick={onDone} data-testid="precheck-skip">
              {t('precheck.skip')}
            </button>
          </p>
        )}
        {check && <Checks check={check} />}
        <p className="go-on">
          <button
            type="button"
            className="primary large"
            onClick={onDone}
            data-testid="precheck-done"
          >
            {isStaff ? t('precheck.join') : t('precheck.continue')}
          </button>
        </p>
      </main>
    </div>
  );
}

function Checks({ check }: { check: DeviceCheck }) {
  const state = useStore(check.state);

  return (
    <ol className="checks">
      <li>
        <CameraCheck state={state} onRetry={() => void check.openDevices()} />
      </li>
      <li>
        <MicrophoneCheck
          state={state}
          onRetry={() => void check.openDevices()}
          onResume={() => void check.resumeAudio()}
        />
      </li>
      <li>
        <SpeakerCheck
          result={state.speaker}
          onPlay={() => void check.playTone()}
          onAnswer={(isHeard) => check.answerTone(isHeard)}
        />
      </li>
      <li>
        <ConnectionCheck result={state.connection} onRetry={() => void check.checkConnection()} />
      </li>
    </ol>
  );
}
