import '../styles/meeting-video.css';

import type { PeerInfo } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import type { ConsumerControl } from '../meeting/ConsumerControl.ts';
import type { TileRole } from '../meeting/LayerPolicy.ts';
import type { RemoteParticipant } from '../meeting/MeetingSession.ts';
import type { QualitySnapshot } from '../meeting/QualityState.ts';
import type { ViewMode } from '../meeting/ViewLayout.ts';
import { speakerLayout, tileId } from '../meeting/ViewLayout.ts';
import type { TileModel } from './VideoTile.tsx';
import { VideoTile } from './VideoTile.tsx';

interface Props {
  view: ViewMode;
  localStream: MediaStream | null;
  self: PeerInfo | null;
  isCameraOn: boolean;
  participants: RemoteParticipant[];
  quality: QualitySnapshot;
  control: ConsumerControl;
}

/**
 * The videos, as a grid of equal tiles or as a speaker view: one large tile (a shared screen, or
 * whoever speaks) above a row of thumbnails. Either way the speaker's tile is marked.
 */
export function VideoGrid(props: Props) {
  const { t } = useTranslation();
  const { view, participants, quality, control } = props;
  const tiles = buildTiles(props);
  const layout = speakerLayout(tiles, quality.activeSpeakerPeerId, quality.previousSpeakerPeerId);
  const mainId = layout.main ? tileId(layout.main) : null;
  const speaker = participants.find((p) => p.peerId === quality.activeSpeakerPeerId);
  const isLowBandwidth = quality.lowBandwidth.isOn;
  const isAudioOnly = isLowBandwidth && quality.lowBandwidth.isAudioOnly;
  const renderTile = (tile: TileModel, tileRole: TileRole) => (
    <VideoTile
      key={tileId(tile)}
      tile={tile}
      tileRole={tileRole}
      // The server keeps naming the last speaker until someone else talks; once that person has
      // turned the microphone off, the mark would say they speak while they cannot.
      isSpeaking={
        tile.source === 'camera' &&
        tile.peerId === quality.activeSpeakerPeerId &&
        !tile.isAudioPaused
      }
      level={quality.levels[tile.peerId]}
      layers={tile.consumerId ? quality.layers[tile.consumerId] : undefined}
      isLowBandwidth={isLowBandwidth}
      isAudioOnly={isAudioOnly}
      control={control}
    />
  );
  const byId = new Map(tiles.map((tile) => [tileId(tile), tile]));
  const columns = tiles.length <= 1 ? 1 : tiles.length <= 4 ? 2 : tiles.length <= 9 ? 3 : 4;

  return (
    <>
      <p className="visually-hidden" aria-live="polite">
        {speaker ? t('meeting.speakerNow', { name: speaker.displayName }) : ''}
      </p>
      {view === 'grid' ? (
        <ul
          className="grid"
          data-view="grid"
          style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}
        >
          {tiles.map((tile) => renderTile(tile, tileId(tile) === mainId ? 'main' : 'tile'))}
        </ul>
      ) : (
        <div className="speaker-view" data-view="speaker">
          <ul className="speaker-main">
            {layout.main && renderTile(byId.get(tileId(layout.main))!, 'main')}
          </ul>
          <ul className="thumbnails" aria-label={t('meeting.thumbnails')}>
            {layout.thumbnails.map((key) => renderTile(byId.get(tileId(key))!, 'thumbnail'))}
          </ul>
        </div>
      )}
    </>
  );
}

/** This person's own camera first, then each participant's shared screen and camera. */
function buildTiles({ localStream, self, isCameraOn, participants }: Props): TileModel[] {
  const own: TileModel = {
    peerId: self?.peerId ?? 'self',
    source: 'camera',
    isSelf: true,
    displayName: self?.displayName ?? '',
    role: self?.role ?? null,
    organisation: self?.organisation ?? null,
    video: localStream && localStream.getVideoTracks().length > 0 ? localStream : null,
    consumerId: null,
    isVideoOff: !isCameraOn,
    audioTrack: null,
    isAudioPaused: false,
  };

  return [
    own,
    ...participants.flatMap((p): TileModel[] => {
      const camera: TileModel = {
        peerId: p.peerId,
        source: 'camera',
        isSelf: false,
        displayName: p.displayName,
        role: p.role,
        organisation: p.organisation,
        video: p.videoTrack,
        consumerId: p.videoConsumerId,
        isVideoOff: p.isVideoPaused,
        audioTrack: p.audioTrack,
        isAudioPaused: p.isAudioPaused,
      };

      if (!p.screenTrack) return [camera];

      return [
        {
          ...camera,
          source: 'screen',
          video: p.screenTrack,
          consumerId: p.screenConsumerId,
          isVideoOff: false,
          audioTrack: null,
          isAudioPaused: false,
        },
        camera,
      ];
    }),
  ];
}
