import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Cancelling a meeting (the whole series), after saying yes to a question. */
export function CancelMeeting({ onCancel }: { onCancel: () => Promise<void> }) {
  const { t } = useTranslation();
  const [isAsking, setAsking] = useState(false);
  const [isSending, setSending] = useState(false);

  if (!isAsking) {
    return (
      <section className="cancel-meeting">
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          {t('meetingPage.cancel')}
        </button>
      </section>
    );
  }

  return (
    <section
      className="cancel-meeting confirm"
      role="alertdialog"
      aria-labelledby="cancel-question"
    >
      <p id="cancel-question">{t('meetingPage.cancelQuestion')}</p>
      <div className="buttons">
        <button
          type="button"
          className="danger"
          disabled={isSending}
          autoFocus
          onClick={() => {
            setSending(true);
            void onCancel().finally(() => {
              setSending(false);
              setAsking(false);
            });
          }}
        >
          {t('meetingPage.cancelYes')}
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          {t('meetingPage.cancelNo')}
        </button>
      </div>
    </section>
  );
}
