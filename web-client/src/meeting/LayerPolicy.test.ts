import { describe, expect, it } from 'vitest';

import { PRIORITY, spatialLayerFor, wishFor } from './LayerPolicy.ts';

describe('the spatial layer chosen for a tile', () => {
  it('is 0 up to 180 px, 1 up to 360 px, and 2 above', () => {
    expect(spatialLayerFor(120, 3)).toBe(0);
    expect(spatialLayerFor(180, 3)).toBe(0);
    expect(spatialLayerFor(181, 3)).toBe(1);
    expect(spatialLayerFor(360, 3)).toBe(1);
    expect(spatialLayerFor(361, 3)).toBe(2);
    expect(spatialLayerFor(1080, 3)).toBe(2);
  });

  it('never asks for a layer the consumer does not have', () => {
    expect(spatialLayerFor(720, 2)).toBe(1);
    expect(spatialLayerFor(720, 1)).toBe(0);
    expect(spatialLayerFor(720, 0)).toBe(0);
  });
});

describe('what a consumer is asked to do', () => {
  const base = { height: 500, spatialLayers: 3, isLowBandwidth: false, isAudioOnly: false };

  it('gives a thumbnail the smallest layer whatever its size, and the lowest priority', () => {
    expect(wishFor({ ...base, role: 'thumbnail' })).toEqual({
      isPaused: false,
      spatialLayer: 0,
      priority: PRIORITY.thumbnail,
    });
  });

  it('gives the main tile the top priority and the layer of its size', () => {
    expect(wishFor({ ...base, role: 'main' })).toEqual({
      isPaused: false,
      spatialLayer: 2,
      priority: 255,
    });
  });

  it('in low-bandwidth mode keeps only the main video, in its lowest layer and frame rate', () => {
    expect(wishFor({ ...base, role: 'main', isLowBandwidth: true })).toMatchObject({
      isPaused: false,
      spatialLayer: 0,
      temporalLayer: 0,
    });
    expect(wishFor({ ...base, role: 'tile', isLowBandwidth: true }).isPaused).toBe(true);
    expect(wishFor({ ...base, role: 'thumbnail', isLowBandwidth: true }).isPaused).toBe(true);
  });

  it('in its audio-only step pauses every video, the main one and a shared screen too', () => {
    const audioOnly = { ...base, isLowBandwidth: true, isAudioOnly: true };

    for (const role of ['main', 'tile', 'thumbnail'] as const) {
      expect(wishFor({ ...audioOnly, role })).toEqual({
        isPaused: true,
        spatialLayer: 0,
        temporalLayer: 0,
        priority: PRIORITY[role],
      });
    }
  });

  it('takes no audio-only step with the mode off', () => {
    expect(wishFor({ ...base, role: 'main', isAudioOnly: true })).toEqual(
      wishFor({ ...base, role: 'main' }),
    );
  });
});
