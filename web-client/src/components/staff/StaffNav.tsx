import { useTranslation } from 'react-i18next';

import { staffHref } from '../../lib/navigation.ts';
import { Link } from '../Link.tsx';

const ITEMS = ['home', 'meetings', 'worklist'] as const;

/** The staff pages one can always reach; the current one is marked for screen readers too. */
export function StaffNav({ current }: { current: string }) {
  const { t } = useTranslation();

  return (
    <nav aria-label={t('staff.nav.label')} className="staff-nav">
      <ul>
        {ITEMS.map((item) => (
          <li key={item}>
            <Link href={staffHref(item)} aria-current={current === item ? 'page' : undefined}>
              {t(`staff.nav.${item}`)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
