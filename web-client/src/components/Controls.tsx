import { useTranslation } from 'react-i18next';

interface Props {
  isMicOn: boolean;
  isCameraOn: boolean;
  hasMedia: boolean;
  isPlanOpen: boolean;
  hasPlan: boolean;
  onMic: () => void;
  onCamera: () => void;
  onPlan: () => void;
  onLeave: () => void;
}

export function Controls(props: Props) {
  const { t } = useTranslation();

  return (
    <nav className="controls" aria-label={t('controls.label')}>
      <button
        type="button"
        aria-pressed={!props.isMicOn}
        disabled={!props.hasMedia}
        onClick={props.onMic}
      >
        {props.isMicOn ? t('controls.micOn') : t('controls.micOff')}
      </button>
      <button
        type="button"
        aria-pressed={!props.isCameraOn}
        disabled={!props.hasMedia}
        onClick={props.onCamera}
      >
        {props.isCameraOn ? t('controls.cameraOn') : t('controls.cameraOff')}
      </button>
      {props.hasPlan && (
        <button type="button" aria-expanded={props.isPlanOpen} onClick={props.onPlan}>
          {props.isPlanOpen ? t('controls.hidePlan') : t('controls.showPlan')}
        </button>
      )}
      <button type="button" className="danger" onClick={props.onLeave}>
        {t('controls.leave')}
      </button>
    </nav>
  );
}
