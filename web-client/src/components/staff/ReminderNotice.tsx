import { useTranslation } from 'react-i18next';

import { meetingHref, navigate, place } from '../../lib/navigation.ts';
import { formatTime } from '../../lib/osloTime.ts';
import { useStore } from '../../lib/useStore.ts';
import type { Reminders } from '../../staff/Reminders.ts';
import { hasStarted } from '../../staff/Reminders.ts';

/**
 * The reminder ten minutes before a meeting: said politely to screen readers, shown as a banner
 * at the top of every page, above its content, until the person joins or puts it away. Once the
 * meeting has begun it says so.
 */
export function ReminderNotice({ reminders }: { reminders: Reminders }) {
  const { t, i18n } = useTranslation();
  const state = useStore(reminders.state);
  const { pathname } = useStore(place);
  // No reminder of the meeting the person is in.
  const shown = state.due.filter((m) => pathname !== meetingHref(m.meetingId));

  return (
    <div className="reminders" role="status" aria-live="polite">
      {shown.map((meeting) => (
        <section
          key={`${meeting.meetingId}@${meeting.startsAt}`}
          className="reminder"
          aria-label={t('reminder.label')}
          data-testid="reminder"
        >
          <p>
            {t(hasStarted(meeting, state) ? 'reminder.started' : 'reminder.text', {
              purpose: meeting.purpose ?? t('reminder.aMeeting'),
              patient: meeting.patientName,
              time: formatTime(meeting.startsAt, i18n.language),
            })}
          </p>
          <div className="buttons">
            <button
              type="button"
              className="primary"
              onClick={() => {
                reminders.dismiss(meeting);
                navigate(meetingHref(meeting.meetingId));
              }}
            >
              {t('reminder.join')}
            </button>
            <button type="button" onClick={() => reminders.dismiss(meeting)}>
              {t('reminder.dismiss')}
            </button>
          </div>
        </section>
      ))}
    </div>
  );
}
