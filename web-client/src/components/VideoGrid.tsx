import type { PeerInfo } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import type { RemoteParticipant } from '../meeting/MeetingSession.ts';
import { MediaElement } from './MediaElement.tsx';
import { ParticipantLabel } from './ParticipantLabel.tsx';

interface Props {
  localStream: MediaStream | null;
  self: PeerInfo | null;
  isCameraOn: boolean;
  participants: RemoteParticipant[];
}

export function VideoGrid({ localStream, self, isCameraOn, participants }: Props) {
  const { t } = useTranslation();
  const count = participants.length + 1;
  const columns = count <= 1 ? 1 : count <= 4 ? 2 : count <= 9 ? 3 : 4;

  return (
    <ul className="grid" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
      <li className="tile self">
        {localStream && isCameraOn ? (
          <MediaElement kind="video" stream={localStream} muted mirror label={t('meeting.you')} />
        ) : (
          <div className="placeholder" aria-hidden="true">
            {initials(self?.displayName ?? '')}
          </div>
        )}
        <div className="label">
          <strong>{t('meeting.you')}</strong>
          {self && <ParticipantLabel role={self.role} organisation={self.organisation} />}
        </div>
      </li>
      {participants.map((p) => (
        <li className="tile" key={p.peerId} data-peer-tile={p.peerId}>
          {p.videoTrack && !p.isVideoPaused ? (
            <MediaElement
              kind="video"
              track={p.videoTrack}
              peerId={p.peerId}
              label={t('meeting.videoOf', { name: p.displayName })}
            />
          ) : (
            <div className="placeholder" aria-hidden="true">
              {initials(p.displayName)}
            </div>
          )}
          {p.audioTrack && <MediaElement kind="audio" track={p.audioTrack} peerId={p.peerId} />}
          <div className="label">
            <strong>{p.displayName}</strong>
            <ParticipantLabel role={p.role} organisation={p.organisation} />
            {p.isAudioPaused && <span className="badge">{t('meeting.micOff')}</span>}
            {p.videoTrack && p.isVideoPaused && (
              <span className="badge">{t('meeting.cameraOff')}</span>
            )}
          </div>
        </li>
      ))}
    </ul>
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
