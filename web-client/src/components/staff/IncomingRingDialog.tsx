import type { IncomingRing } from '@teamrom/signaling/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { meetingHref, navigate } from '../../lib/navigation.ts';
import { useStore } from '../../lib/useStore.ts';
import type { RingInbox } from '../../staff/RingInbox.ts';
import { RingTone } from '../../staff/ringTone.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/**
 * A call ringing this person: who calls and about which patient, with accept and decline. It
 * closes by itself when the caller stops, the call runs out, or another of their devices answers.
 */
export function IncomingRingDialog({ inbox }: { inbox: RingInbox }) {
  const { t } = useTranslation();
  const { rings, answering, problem } = useStore(inbox.state);
  const ring = rings[0] ?? null;
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;

    if (!element) return;
    if (ring && !element.open) element.showModal();
    if (!ring && element.open) element.close();
  }, [ring]);

  useEffect(() => {
    if (!ring) return;

    const tone = new RingTone();

    tone.start();

    return () => tone.stop();
  }, [ring]);

  const answer = (accept: boolean) => {
    if (!ring) return;

    void inbox.answer(ring.ringId, accept).then((meetingId) => {
      if (meetingId) navigate(`${meetingHref(meetingId)}#precheck=0`);
    });
  };

  return (
    <>
      <dialog
        ref={dialog}
        className="incoming-ring"
        aria-labelledby="incoming-ring-title"
        aria-describedby="incoming-ring-about"
        onCancel={(event) => {
          // Escape declines, as the person would expect of a call.
          event.preventDefault();
          answer(false);
        }}
      >
        {ring && (
          <RingContent ring={ring} isAnswering={answering === ring.ringId} onAnswer={answer} />
        )}
      </dialog>
      {problem && (
        <p className="notice" role="alert">
          {t(problem)}
        </p>
      )}
    </>
  );
}

function RingContent(props: {
  ring: IncomingRing;
  isAnswering: boolean;
  onAnswer: (accept: boolean) => void;
}) {
  const { ring, isAnswering, onAnswer } = props;
  const { t } = useTranslation();
  const seconds = useSecondsLeft(ring.expiresAt);

  return (
    <div data-testid="incoming-ring">
      <h2 id="incoming-ring-title">{t('ring.incoming.title', { name: ring.from.displayName })}</h2>
      <p>
        <ParticipantLabel role={ring.from.role} organisation={ring.from.organisation} />
      </p>
      <p id="incoming-ring-about" className="lead">
        {t('ring.incoming.about', { patient: ring.patientName })}
      </p>
      <p className="muted">{t('ring.incoming.secondsLeft', { count: seconds })}</p>
      <div className="buttons">
        <button
          type="button"
          className="primary large"
          autoFocus
          disabled={isAnswering}
          onClick={() => onAnswer(true)}
        >
          {t('ring.incoming.accept')}
        </button>
        <button
          type="button"
          className="large"
          disabled={isAnswering}
          onClick={() => onAnswer(false)}
        >
          {t('ring.incoming.decline')}
        </button>
      </div>
    </div>
  );
}

function useSecondsLeft(expiresAt: string): number {
  const left = () => Math.max(0, Math.ceil((Date.parse(expiresAt) - Date.now()) / 1000));
  const [seconds, setSeconds] = useState(left);

  useEffect(() => {
    const timer = setInterval(() => setSeconds(left()), 1000);

    return () => clearInterval(timer);
  }, [expiresAt]);

  return seconds;
}
