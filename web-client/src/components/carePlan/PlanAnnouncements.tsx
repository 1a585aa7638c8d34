import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import { PlanAnnouncer } from '../../carePlan/PlanAnnouncer.ts';
import { announcementWords } from '../../carePlan/words.ts';
import { useStore } from '../../lib/useStore.ts';

/**
 * A polite live region that tells screen-reader users what others change in the plan. It is there
 * from the start: a region added together with its text is often not announced.
 */
export function PlanAnnouncements({ store }: { store: CarePlanStore }) {
  const [announcer, setAnnouncer] = useState<PlanAnnouncer | null>(null);

  useEffect(() => {
    const created = new PlanAnnouncer(store);

    setAnnouncer(created);

    return () => created.dispose();
  }, [store]);

  return (
    <div className="visually-hidden" aria-live="polite">
      {announcer && <AnnouncementText store={store} announcer={announcer} />}
    </div>
  );
}

function AnnouncementText({
  store,
  announcer,
}: {
  store: CarePlanStore;
  announcer: PlanAnnouncer;
}) {
  const { t, i18n } = useTranslation();
  const { directory } = useStore(store.state);
  const { announcement } = useStore(announcer.state);

  if (!announcement) return null;

  const words = announcementWords(
    { t, language: i18n.language, directory, plan: null },
    announcement.changes,
  );

  // A new element for each announcement: the same words twice are announced twice.
  return <p key={announcement.id}>{words}</p>;
}
