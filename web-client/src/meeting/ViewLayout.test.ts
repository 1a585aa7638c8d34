import { describe, expect, it } from 'vitest';

import type { TileKey } from './ViewLayout.ts';
import { speakerLayout, tileId } from './ViewLayout.ts';

const self: TileKey = { peerId: 'me', source: 'camera', isSelf: true };
const camera = (peerId: string): TileKey => ({ peerId, source: 'camera', isSelf: false });
const screen = (peerId: string): TileKey => ({ peerId, source: 'screen', isSelf: false });
const ids = (layout: ReturnType<typeof speakerLayout>) => ({
  main: layout.main && tileId(layout.main),
  thumbnails: layout.thumbnails.map(tileId),
});

describe('the speaker view', () => {
  const tiles = [self, camera('a'), camera('b'), camera('c')];

  it('shows whoever speaks large and everyone else, self included, as thumbnails in order', () => {
    expect(ids(speakerLayout(tiles, 'b'))).toEqual({
      main: 'b:camera',
      thumbnails: ['me:camera', 'a:camera', 'c:camera'],
    });
  });

  it('keeps the previous speaker large while this person speaks', () => {
    expect(ids(speakerLayout(tiles, 'me', 'c')).main).toBe('c:camera');
  });

  it('shows the first other participant before anyone has spoken', () => {
    expect(ids(speakerLayout(tiles, null)).main).toBe('a:camera');
  });

  it('gives a shared screen precedence over the speaker', () => {
    const layout = speakerLayout([self, camera('a'), screen('b'), camera('b')], 'a');

    expect(ids(layout)).toEqual({
      main: 'b:screen',
      thumbnails: ['me:camera', 'a:camera', 'b:camera'],
    });
  });

  it('shows this person alone large when nobody else is there', () => {
    expect(ids(speakerLayout([self], null))).toEqual({ main: 'me:camera', thumbnails: [] });
  });
});
