import '../styles/meeting-panels.css';

import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { AccessToken } from '../lib/AccessToken.ts';
import { isStaffRole } from '../lib/tokenClaims.ts';
import { useStore } from '../lib/useStore.ts';
import { MeetingSession } from '../meeting/MeetingSession.ts';
import { RosterStore } from '../meeting/RosterStore.ts';
import { AccessNotice } from './AccessNotice.tsx';
import { Announcer } from './Announcer.tsx';
import { CarePlanPanel } from './carePlan/CarePlanPanel.tsx';
import { Controls } from './Controls.tsx';
import { WaitingRoomView } from './entry/WaitingRoomView.tsx';
import { LobbyPanel } from './inCall/LobbyPanel.tsx';
import { RosterPanel } from './inCall/RosterPanel.tsx';
import { LanguageSelect } from './LanguageSelect.tsx';
import { MeetingCallStatus } from './MeetingCallStatus.tsx';
import { VideoGrid } from './VideoGrid.tsx';
import type { ViewMode } from '../meeting/ViewLayout.ts';

export function MeetingView({ meetingId, token }: { meetingId: string; token: AccessToken }) {
  const [session, setSession] = useState<MeetingSession | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const created = new MeetingSession(meetingId, token);

    setSession(created);
    void created.start();

    return () => {
      void created.leave();
    };
  }, [meetingId, token, attempt]);

  if (!session) return null;

  return (
    <Meeting session={session} meetingId={meetingId} onRejoin={() => setAttempt((n) => n + 1)} />
  );
}

function Meeting(props: { session: MeetingSession; meetingId: string; onRejoin: () => void }) {
  const { session, meetingId, onRejoin } = props;
  const { t } = useTranslation();
  const state = useStore(session.state);
  const [isPlanOpen, setPlanOpen] = useState(true);
  const [roster, setRoster] = useState<RosterStore | null>(null);
  const isPatient = state.self?.role === 'patient';
  const isStaff = isStaffRole(state.self?.role);
  const wasWaiting = useRef(false);
  const [isLetIn, setLetIn] = useState(false);
  const [view, setView] = useState<ViewMode>('grid');
  const quality = useStore(session.quality.state);
  const screen = useStore(session.screenShare.state);
  const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function';

  useEffect(() => {
    const created = new RosterStore(session);

    setRoster(created);

    return () => created.dispose();
  }, [session]);

  // Tells the person who waited that they are in now.
  useEffect(() => {
    if (state.status === 'waiting') wasWaiting.current = true;
    if (state.status === 'joined' && wasWaiting.current) {
      wasWaiting.current = false;
      setLetIn(true);
    }
  }, [state.status]);

  if (state.status === 'left' || state.status === 'ended' || state.status === 'failed') {
    return (
      <main id="main" className="page message">
        <h1>{state.status === 'failed' ? t('meeting.failedTitle') : t('meeting.leftTitle')}</h1>
        {state.reason && <p role="alert">{t(state.reason)}</p>}
        {state.status !== 'failed' && (
          <button type="button" className="primary large" onClick={onRejoin}>
            {t('meeting.rejoin')}
          </button>
        )}
      </main>
    );
  }

  if (state.status === 'waiting' && state.lobby) {
    return (
      <div className="page entry waiting">
        <a className="skip-link" href="#main">
          {t('app.skipToContent')}
        </a>
        <header className="topbar">
          <h1>{t('meeting.title')}</h1>
          <LanguageSelect />
        </header>
        <WaitingRoomView
          lobby={state.lobby}
          wasSentBack={state.wasSentBack}
          localStream={state.localStream}
          onLeave={() => void session.leave()}
        />
      </div>
    );
  }

  return (
    <div className={`page meeting${isPatient ? ' plain' : ''}`}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <h1>{t('meeting.title')}</h1>
        <span className="muted">
          {t('meeting.participants', { count: state.participants.length + 1 })}
        </span>
        <LanguageSelect />
      </header>
      <Announcer participants={state.participants} />
      <div className="banners" role="status" aria-live="polite">
        {state.status === 'connecting' && <p>{t('meeting.connecting')}</p>}
        {isLetIn && state.status === 'joined' && !isStaff && <p>{t('meeting.letIn')}</p>}
        {state.status === 'reconnecting' && <p className="warn">{t('meeting.reconnecting')}</p>}
        {state.isMediaSlow && <p className="warn">{t('meeting.slowMedia')}</p>}
        {state.deviceProblem === 'denied' && <p className="warn">{t('meeting.deviceDenied')}</p>}
        {state.deviceProblem === 'missing' && <p className="warn">{t('meeting.deviceMissing')}</p>}
        {quality.lowBandwidth.isOn && (
          <p
            data-low-bandwidth={quality.lowBandwidth.isAuto ? 'auto' : 'chosen'}
            data-audio-only={quality.lowBandwidth.isAudioOnly ? 'true' : undefined}
          >
            {t(
              quality.lowBandwidth.isAudioOnly
                ? quality.lowBandwidth.isAuto
                  ? 'meeting.audioOnlyAuto'
                  : 'meeting.audioOnlyChosen'
                : quality.lowBandwidth.isAuto
                  ? 'meeting.lowBandwidthAuto'
                  : 'meeting.lowBandwidthChosen',
            )}
          </p>
        )}
        {screen.isSharing && <p>{t('meeting.sharingScreen')}</p>}
        {screen.problem && <p className="warn">{t(`meeting.screenProblem.${screen.problem}`)}</p>}
        <AccessNotice token={session.token} />
      </div>
      <div className="meeting-body">
        <main id="main" className="stage">
          {isStaff && state.status === 'joined' && (
            <LobbyPanel waiting={state.waiting} onAdmit={(peerId) => session.admit(peerId)} />
          )}
          {isStaff && <MeetingCallStatus meetingId={meetingId} />}
          {roster && (
            <RosterPanel
              store={roster}
              selfPeerId={state.self?.peerId ?? null}
              isStaff={isStaff}
              onSendBack={(peerId) => session.sendBack(peerId)}
            />
          )}
          <VideoGrid
            view={view}
            quality={quality}
            control={session.consumerControl}
            localStream={state.localStream}
            self={state.self}
            isCameraOn={state.isCameraOn}
            participants={state.participants}
          />
          {state.status === 'joined' && state.participants.length === 0 && (
            <p className="alone">{t('meeting.waitingForOthers')}</p>
          )}
        </main>
        {state.carePlanId && (
          // Hidden rather than removed: changes still being saved go on being sent.
          <CarePlanPanel
            socket={session.socket}
            planId={state.carePlanId}
            meetingId={meetingId}
            role={state.self?.role ?? null}
            isPlain={isPatient}
            isHidden={!isPlanOpen}
          />
        )}
      </div>
      <Controls
        isMicOn={state.isMicOn}
        isCameraOn={state.isCameraOn}
        hasMedia={state.localStream !== null}
        isPlanOpen={isPlanOpen}
        hasPlan={state.carePlanId !== null}
        onMic={() => void session.setMicOn(!state.isMicOn)}
        onCamera={() => void session.setCameraOn(!state.isCameraOn)}
        onPlan={() => setPlanOpen((open) => !open)}
        onLeave={() => void session.leave()}
        screen={
          canShareScreen
            ? {
                isSharing: screen.isSharing,
                isBusy: screen.isBusy,
                isAvailable: state.status === 'joined',
                onToggle: () =>
                  void (screen.isSharing
                    ? session.screenShare.stop()
                    : session.screenShare.start()),
              }
            : null
        }
        view={view}
        onView={() => setView((v) => (v === 'grid' ? 'speaker' : 'grid'))}
        isLowBandwidth={quality.lowBandwidth.isOn}
        onLowBandwidth={() => session.quality.setLowBandwidth(!quality.lowBandwidth.isOn)}
      />
    </div>
  );
}
