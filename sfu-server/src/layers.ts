import { parseScalabilityMode } from 'mediasoup';
import type { types } from 'mediasoup';

import { MediaError } from './errors.ts';
import type { LayerCounts } from './MediaNode.ts';

/**
 * The layers a consumer can be switched between, from the scalability mode mediasoup gave its one
 * encoding (`L3T3` for three simulcast streams of three temporal layers). Null for audio and for
 * video sent as a single stream.
 */
export function layerCounts(consumer: types.Consumer): LayerCounts | null {
  if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return null;

  const { spatialLayers, temporalLayers } = parseScalabilityMode(
    consumer.rtpParameters.encodings?.[0]?.scalabilityMode,
  );

  return { spatial: spatialLayers, temporal: temporalLayers };
}

/**
 * Refuses layers the consumer does not have. mediasoup would quietly take the nearest ones, and
 * a client asking for a layer that cannot exist has misread the consumer.
 */
export function checkPreferredLayers(
  consumer: types.Consumer,
  spatialLayer: number,
  temporalLayer: number | undefined,
): void {
  const counts = layerCounts(consumer);

  if (!counts) throw new MediaError('invalid', 'this consumer has one layer only');

  const isWithin = (layer: number, count: number) =>
    Number.isInteger(layer) && layer >= 0 && layer < count;

  if (!isWithin(spatialLayer, counts.spatial)) {
    throw new MediaError('invalid', `spatialLayer must be from 0 to ${counts.spatial - 1}`);
  }
  if (temporalLayer !== undefined && !isWithin(temporalLayer, counts.temporal)) {
    throw new MediaError('invalid', `temporalLayer must be from 0 to ${counts.temporal - 1}`);
  }
}
