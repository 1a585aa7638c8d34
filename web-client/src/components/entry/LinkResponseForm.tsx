import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { respondByLink } from '../../entry/personalLink.ts';
import { RequestError } from '../../lib/request.ts';

/** "Will you come?": the invited person answers with their link, before the meeting. */
export function LinkResponseForm({ meetingId, link }: { meetingId: string; link: string }) {
  const { t } = useTranslation();
  const [answer, setAnswer] = useState<'accepted' | 'declined' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [isSending, setSending] = useState(false);

  const respond = (response: 'accepted' | 'declined') => {
    setSending(true);
    setProblem(null);
    respondByLink(meetingId, link, response)
      .then(
        () => setAnswer(response),
        (error: unknown) =>
          setProblem(`errors.${error instanceof RequestError ? error.code : 'internal'}`),
      )
      .finally(() => setSending(false));
  };

  return (
    <div className="link-response">
      <h3>{t('entry.respond.question')}</h3>
      <div className="buttons">
        <button
          type="button"
          className="primary large"
          aria-pressed={answer === 'accepted'}
          disabled={isSending}
          onClick={() => respond('accepted')}
        >
          {t('entry.respond.accept')}
        </button>
        <button
          type="button"
          className="large"
          aria-pressed={answer === 'declined'}
          disabled={isSending}
          onClick={() => respond('declined')}
        >
          {t('entry.respond.decline')}
        </button>
      </div>
      <p role="status" className="confirmation">
        {answer === 'accepted' && t('entry.respond.accepted')}
        {answer === 'declined' && t('entry.respond.declined')}
      </p>
      {problem && <p role="alert">{t(problem)}</p>}
    </div>
  );
}
