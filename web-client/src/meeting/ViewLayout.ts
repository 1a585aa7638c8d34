/*
 * Which video is large in the speaker view, and in what order the thumbnails come. A screen share
 * goes before any face; then whoever speaks; then whoever spoke last, so that the large tile does
 * not jump back when nobody is speaking.
 */

export type ViewMode = 'grid' | 'speaker';

/** One video the page can show: a participant's camera or screen, or this person's own camera. */
export interface TileKey {
  peerId: string;
  source: 'camera' | 'screen';
  isSelf: boolean;
}

export interface SpeakerLayout {
  main: TileKey | null;
  thumbnails: TileKey[];
}

export const tileId = (tile: TileKey) => `${tile.peerId}:${tile.source}`;

/**
 * `tiles` in the order the grid shows them (self first). `lastSpeakerPeerId` is the speaker who
 * was shown last, used while `activeSpeakerPeerId` is this person or unknown.
 */
export function speakerLayout(
  tiles: TileKey[],
  activeSpeakerPeerId: string | null,
  lastSpeakerPeerId: string | null = null,
): SpeakerLayout {
  const remoteCamera = (peerId: string | null) =>
    tiles.find((t) => !t.isSelf && t.source === 'camera' && t.peerId === peerId);
  const main =
    tiles.find((t) => t.source === 'screen' && !t.isSelf) ??
    tiles.find((t) => t.source === 'screen') ??
    remoteCamera(activeSpeakerPeerId) ??
    remoteCamera(lastSpeakerPeerId) ??
    tiles.find((t) => !t.isSelf) ??
    tiles[0] ??
    null;

  return { main, thumbnails: tiles.filter((t) => t !== main) };
}
