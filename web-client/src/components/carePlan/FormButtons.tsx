import { useTranslation } from 'react-i18next';

/** Save and cancel at the foot of a form that changes something already in the plan. */
export function FormButtons({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation();

  return (
    <div className="buttons">
      <button type="submit" className="primary">
        {t('carePlan.save')}
      </button>
      <button type="button" onClick={onCancel}>
        {t('carePlan.cancel')}
      </button>
    </div>
  );
}
