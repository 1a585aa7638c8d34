import type { LinkTimes } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import type { RequestError } from '../../lib/request.ts';
import { formatDateTime, formatTime } from '../../lib/osloTime.ts';
import { useViewHeading } from '../useViewHeading.ts';
import { LinkResponseForm } from './LinkResponseForm.tsx';

/** Why a personal link does not let the person in now, in plain words, and what they can do. */
export function LinkProblem(props: {
  meetingId: string;
  link: string;
  code: RequestError['code'];
  times: LinkTimes | null;
  onRetry: () => void;
}) {
  const { meetingId, link, code, times, onRetry } = props;
  const { t, i18n } = useTranslation();
  const isEarly = code === 'link_not_open_yet' && times !== null;
  const message = MESSAGES[code] ?? 'entry.problem.other';
  const title = isEarly ? t('entry.early.title') : t(`${message}.title`);
  const heading = useViewHeading(title, code);

  if (isEarly) {
    return (
      <section className="link-problem" aria-labelledby="link-problem-title">
        <h2 id="link-problem-title" ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <p className="lead">
          {t('entry.early.startsAt', { time: formatDateTime(times.startsAt, i18n.language) })}
        </p>
        <p>{t('entry.early.opensAt', { time: formatTime(times.opensAt, i18n.language) })}</p>
        <p>{t('entry.early.leaveOpen')}</p>
        <LinkResponseForm meetingId={meetingId} link={link} />
      </section>
    );
  }

  return (
    <section className="link-problem" role="alert" aria-labelledby="link-problem-title">
      <h2 id="link-problem-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p className="lead">{t(`${message}.text`)}</p>
      {(code === 'timeout' || code === 'internal' || code === 'capacity') && (
        <button type="button" className="primary large" onClick={onRetry}>
          {t('entry.tryAgain')}
        </button>
      )}
    </section>
  );
}

const MESSAGES: Partial<Record<RequestError['code'], string>> = {
  link_not_open_yet: 'entry.problem.early',
  link_closed: 'entry.problem.closed',
  meeting_cancelled: 'entry.problem.cancelled',
  link_used_elsewhere: 'entry.problem.otherDevice',
  unauthorized: 'entry.problem.invalid',
  forbidden: 'entry.problem.invalid',
  not_found: 'entry.problem.invalid',
  timeout: 'entry.problem.offline',
};
