import { useTranslation } from 'react-i18next';

export type PanelView = 'plan' | 'history' | 'consent' | 'accessLog';

interface Props {
  views: PanelView[];
  current: PanelView;
  isPlain: boolean;
  onChange: (view: PanelView) => void;
}

/** Switches between the plan and what surrounds it. Plain buttons: each says where it leads. */
export function PanelTabs({ views, current, isPlain, onChange }: Props) {
  const { t } = useTranslation();

  return (
    <nav className="panel-tabs" aria-label={t('carePlan.views.label')}>
      {views.map((view) => (
        <button
          key={view}
          type="button"
          aria-pressed={view === current}
          onClick={() => onChange(view)}
        >
          {isPlain ? t(`carePlan.views.plain.${view}`) : t(`carePlan.views.${view}`)}
        </button>
      ))}
    </nav>
  );
}
