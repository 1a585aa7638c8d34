import { useTranslation } from 'react-i18next';

import type { ViewMode } from '../meeting/ViewLayout.ts';

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
  /** Null where the browser cannot share a screen (most phones). */
  screen: {
    isSharing: boolean;
    isBusy: boolean;
    isAvailable: boolean;
    onToggle: () => void;
  } | null;
  view: ViewMode;
  onView: () => void;
  isLowBandwidth: boolean;
  onLowBandwidth: () => void;
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
      {props.screen && (
        <button
          type="button"
          className={props.screen.isSharing ? 'is-on' : undefined}
          disabled={props.screen.isBusy || !props.screen.isAvailable}
          onClick={props.screen.onToggle}
        >
          {props.screen.isSharing ? t('controls.stopScreen') : t('controls.shareScreen')}
        </button>
      )}
      <button type="button" onClick={props.onView}>
        {props.view === 'grid' ? t('controls.speakerView') : t('controls.gridView')}
      </button>
      <button type="button" aria-pressed={props.isLowBandwidth} onClick={props.onLowBandwidth}>
        {t('controls.lowBandwidth')}
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
