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
      <MuteButton
        isOn={props.isMicOn}
        disabled={!props.hasMedia}
        onClick={props.onMic}
        label={props.isMicOn ? t('controls.micOn') : t('controls.micOff')}
      />
      <MuteButton
        isOn={props.isCameraOn}
        disabled={!props.hasMedia}
        onClick={props.onCamera}
        label={props.isCameraOn ? t('controls.cameraOn') : t('controls.cameraOff')}
      />
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

/**
 * A device switch. Its label says what a press will do; a changing label and aria-pressed
 * together would make screen readers announce a double negative, so only the label changes.
 */
function MuteButton(props: {
  isOn: boolean;
  disabled: boolean;
  onClick: () => void;
  label: string;
}) {
  return (
    <button
      type="button"
      className={props.isOn ? undefined : 'is-off'}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}
