import type { ConsumerLayers, ParticipantRole, QualityLevel } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import type { ConsumerControl } from '../meeting/ConsumerControl.ts';
import type { TileRole } from '../meeting/LayerPolicy.ts';
import type { TileKey } from '../meeting/ViewLayout.ts';
import { MediaElement } from './MediaElement.tsx';
import { ParticipantLabel } from './ParticipantLabel.tsx';
import { QualityIndicator } from './QualityIndicator.tsx';
import { useDrawnHeight } from './useDrawnHeight.ts';

/** Everything one tile shows: a camera or a screen, this person's own or someone else's. */
export interface TileModel extends TileKey {
  displayName: string;
  role: ParticipantRole | null;
  organisation: string | null;
  video: MediaStreamTrack | MediaStream | null;
  /** The consumer of a remote video, whose layers this tile chooses. */
  consumerId: string | null;
  isVideoOff: boolean;
  audioTrack: MediaStreamTrack | null;
  isAudioPaused: boolean;
}

interface Props {
  tile: TileModel;
  tileRole: TileRole;
  isSpeaking: boolean;
  level: QualityLevel | undefined;
  /** What the server forwards: undefined until told, null while nothing. */
  layers: ConsumerLayers | null | undefined;
  isLowBandwidth: boolean;
  /** Low-bandwidth mode's audio-only step: every received video is paused. */
  isAudioOnly: boolean;
  control: ConsumerControl;
}

export function VideoTile({
  tile,
  tileRole,
  isSpeaking,
  level,
  layers,
  isLowBandwidth,
  isAudioOnly,
  control,
}: Props) {
  const { t } = useTranslation();
  const ref = useDrawnHeight<HTMLLIElement>((height) => {
    if (tile.consumerId) control.place(tile.consumerId, tileRole, height);
  }, `${tile.consumerId}/${tileRole}`);
  const isScreen = tile.source === 'screen';
  const name = tile.isSelf ? t('meeting.you') : tile.displayName;
  // Thumbnails are off in low-bandwidth mode, and every received video in its audio-only step:
  // their videos are paused on the server. This person's own camera costs no downlink.
  const isPausedByMode = isLowBandwidth && (tileRole !== 'main' || (isAudioOnly && !tile.isSelf));
  const isVideoShown = tile.video !== null && !tile.isVideoOff && !isPausedByMode;
  const isForwarding = layers !== null;
  const label = isScreen
    ? t('meeting.screenOf', { name: tile.displayName })
    : tile.isSelf
      ? t('meeting.you')
      : t('meeting.videoOf', { name });
  const classes = ['tile', tileRole, isScreen ? 'screen' : '', tile.isSelf ? 'self' : ''];

  return (
    <li
      ref={ref}
      className={[...classes, isSpeaking ? 'is-speaking' : ''].filter(Boolean).join(' ')}
      data-peer-tile={tile.isSelf ? undefined : tile.peerId}
      data-screen-of={isScreen ? tile.peerId : undefined}
      data-tile-role={tileRole}
      data-speaking={isSpeaking ? 'true' : undefined}
      data-spatial-layer={layers === undefined ? undefined : (layers?.spatialLayer ?? 'none')}
    >
      {isVideoShown ? (
        tile.video instanceof MediaStream ? (
          <MediaElement kind="video" stream={tile.video} muted mirror label={label} />
        ) : (
          <MediaElement
            kind="video"
            track={tile.video!}
            // Screens carry no data-peer-id: that marks a participant's camera and microphone.
            peerId={isScreen ? undefined : tile.peerId}
            label={label}
          />
        )
      ) : (
        <div className="placeholder" aria-hidden="true">
          {initials(tile.displayName)}
        </div>
      )}
      {tile.audioTrack && (
        <MediaElement kind="audio" track={tile.audioTrack} peerId={tile.peerId} />
      )}
      <div className="label">
        <strong>{isScreen ? t('meeting.screenOf', { name }) : name}</strong>
        {!isScreen && tile.role && (
          <ParticipantLabel role={tile.role} organisation={tile.organisation} />
        )}
        {isSpeaking && (
          <span className="badge speaking">
            <span aria-hidden="true">🔊 </span>
            {t('meeting.speaking')}
          </span>
        )}
        {tile.isAudioPaused && <span className="badge">{t('meeting.micOff')}</span>}
        {tile.video && tile.isVideoOff && <span className="badge">{t('meeting.cameraOff')}</span>}
        {tile.consumerId && !tile.isVideoOff && !isForwarding && (
          <span className="badge">{t('meeting.videoPaused')}</span>
        )}
        {!isScreen && <QualityIndicator level={level} />}
      </div>
    </li>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}
