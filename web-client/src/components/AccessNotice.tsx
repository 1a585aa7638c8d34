import { useTranslation } from 'react-i18next';

import type { AccessToken } from '../lib/AccessToken.ts';
import { useStore } from '../lib/useStore.ts';

/** Tells the person, ahead of time, when their access runs out because it can be renewed no more. */
export function AccessNotice({ token }: { token: AccessToken }) {
  const { t, i18n } = useTranslation();
  const { status, expiresAt } = useStore(token.state);

  if (status === 'ended') return <p className="warn">{t('meeting.accessEnded')}</p>;
  if (status !== 'ending' || expiresAt === null) return null;

  const time = new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short' }).format(expiresAt);

  return <p className="warn">{t('meeting.accessEnding', { time })}</p>;
}
