import { useTranslation } from 'react-i18next';

import { formatCalendarDate } from '../../lib/osloTime.ts';
import { fromRrule } from '../../lib/rrule.ts';

/** How a meeting repeats, in words; a rule the client cannot put in words is shown as it is. */
export function RecurrenceText({ rrule }: { rrule: string | null }) {
  const { t, i18n } = useTranslation();
  const recurrence = fromRrule(rrule);

  if (!recurrence) return <code>{rrule}</code>;
  if (recurrence.repeat === 'none') return <>{t('schedule.recurrence.none')}</>;

  const end =
    recurrence.ends === 'count'
      ? t('meetingPage.endsAfter', { count: recurrence.count })
      : t('meetingPage.endsOn', { date: formatCalendarDate(recurrence.until, i18n.language) });

  return (
    <>
      {t(`schedule.recurrence.${recurrence.repeat}`)}, {end}
    </>
  );
}
