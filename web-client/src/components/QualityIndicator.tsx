import type { QualityLevel } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

const BARS: Record<QualityLevel, number> = { good: 3, fair: 2, poor: 1, unknown: 0 };

/** A participant's link: bars to glance at, and the level in words for everyone else. */
export function QualityIndicator({ level }: { level: QualityLevel | undefined }) {
  const { t } = useTranslation();
  const shown = level ?? 'unknown';

  if (shown === 'unknown') return null;

  return (
    <span className={`quality quality-${shown}`} data-quality={shown}>
      <span className="bars" aria-hidden="true">
        {[1, 2, 3].map((bar) => (
          <span key={bar} className={bar <= BARS[shown] ? 'on' : undefined} />
        ))}
      </span>
      {t(`quality.${shown}`)}
    </span>
  );
}
