import type { Invitation } from '@teamrom/signaling/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api, download } from '../../lib/http.ts';
import { errorKey } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';

/**
 * One participant's invitation, to hand on: the join link to copy, the calendar file to save
 * (REQUEST, or CANCEL once the meeting is cancelled), the text, and a new link for a lost one.
 */
export function InvitationTools(props: {
  connection: StaffConnection;
  invitation: Invitation;
  hasPersonalLink: boolean;
  onReissued: () => void;
}) {
  const { connection, invitation, hasPersonalLink, onReissued } = props;
  const { t } = useTranslation();
  const [status, setStatus] = useState<string | null>(null);
  const isCancel = invitation.method === 'CANCEL';

  const copy = () => {
    navigator.clipboard.writeText(invitation.joinUrl).then(
      () => setStatus('invitation.copied'),
      () => setStatus('invitation.copyFailed'),
    );
  };

  const saveCalendar = () => {
    // The file is handed out with the bearer token only, so it is fetched and saved from here.
    download(new URL(invitation.icsUrl).pathname, connection.token).then(
      (blob) => {
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');

        link.href = url;
        link.download = 'invitation.ics';
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        setStatus('invitation.saved');
      },
      (error: unknown) => setStatus(errorKey(error)),
    );
  };

  const reissue = () => {
    const path =
      `/api/meetings/${encodeURIComponent(invitation.meetingId)}/invitations/` +
      `${encodeURIComponent(invitation.personId)}/reissue`;

    api<Invitation>(path, { method: 'POST', token: connection.token }).then(onReissued, (error) =>
      setStatus(errorKey(error)),
    );
  };

  return (
    <div className="invitation" data-method={invitation.method}>
      {!isCancel && (
        <label className="join-link">
          <span>{t('invitation.link')}</span>
          <input readOnly value={invitation.joinUrl} name={`join-link-${invitation.personId}`} />
        </label>
      )}
      <div className="buttons">
        {!isCancel && (
          <button type="button" onClick={copy}>
            {t('invitation.copy')}
          </button>
        )}
        <button type="button" onClick={saveCalendar}>
          {isCancel ? t('invitation.saveCancel') : t('invitation.saveCalendar')}
        </button>
        {hasPersonalLink && !isCancel && (
          <button type="button" onClick={reissue}>
            {t('invitation.reissue')}
          </button>
        )}
      </div>
      <details>
        <summary>{t('invitation.showText')}</summary>
        <p lang={invitation.text.language}>
          <strong>{invitation.text.subject}</strong>
        </p>
        <pre className="invitation-text" lang={invitation.text.language}>
          {invitation.text.body}
        </pre>
      </details>
      <p role="status" className="confirmation">
        {status && t(status)}
      </p>
    </div>
  );
}
