import { request } from '../lib/request.ts';
import type { ConsumerWish, TileRole } from './LayerPolicy.ts';
import { wishFor } from './LayerPolicy.ts';
import type { TeamromSocket } from './MeetingSession.ts';

interface Placement {
  role: TileRole;
  height: number;
}

interface Controlled {
  spatialLayers: number;
  /** What the server was last told; empty until the first wish is sent. */
  applied: Partial<ConsumerWish>;
  /** Requests for one consumer go one after the other, so that the last wish wins. */
  queue: Promise<void>;
}

/**
 * Tells the server, per received video, the layer, priority and paused state that fit the tile
 * it is drawn in and the mode this person receives in; only what changed is sent. Tiles report
 * where they are drawn with `place`; the session registers each consumer with `add` once it is
 * running, and removes it with `remove`.
 */
export class ConsumerControl {
  readonly #socket: TeamromSocket;
  readonly #consumers = new Map<string, Controlled>();
  readonly #placements = new Map<string, Placement>();
  #isLowBandwidth = false;
  #isAudioOnly = false;

  constructor(socket: TeamromSocket) {
    this.#socket = socket;
  }

  /** A video consumer the server is forwarding, with the number of spatial layers it has. */
  add(consumerId: string, spatialLayers: number): void {
    this.#consumers.set(consumerId, { spatialLayers, applied: {}, queue: Promise.resolve() });
    this.#sync(consumerId);
  }

  remove(consumerId: string): void {
    this.#consumers.delete(consumerId);
    this.#placements.delete(consumerId);
  }

  /** Forgets every consumer: the transports they belonged to are gone. */
  clear(): void {
    this.#consumers.clear();
  }

  place(consumerId: string, role: TileRole, height: number): void {
    const before = this.#placements.get(consumerId);

    if (before?.role === role && before.height === height) return;

    this.#placements.set(consumerId, { role, height });
    this.#sync(consumerId);
  }

  /** Low-bandwidth mode, and whether it is at its audio-only step (every video paused). */
  setLowBandwidth(on: boolean, isAudioOnly: boolean): void {
    const audioOnly = on && isAudioOnly;

    if (on === this.#isLowBandwidth && audioOnly === this.#isAudioOnly) return;

    this.#isLowBandwidth = on;
    this.#isAudioOnly = audioOnly;
    for (const consumerId of this.#consumers.keys()) this.#sync(consumerId);
  }

  #sync(consumerId: string): void {
    const consumer = this.#consumers.get(consumerId);
    const placement = this.#placements.get(consumerId);

    // Not drawn yet: the server's default (the best layer the bandwidth allows) stands.
    if (!consumer || !placement) return;

    const wish = wishFor({
      ...placement,
      spatialLayers: consumer.spatialLayers,
      isLowBandwidth: this.#isLowBandwidth,
      isAudioOnly: this.#isAudioOnly,
    });

    consumer.queue = consumer.queue.then(() => this.#apply(consumerId, consumer, wish));
  }

  async #apply(consumerId: string, consumer: Controlled, wish: ConsumerWish): Promise<void> {
    const { applied } = consumer;
    const send = async (step: () => Promise<unknown>, change: Partial<ConsumerWish>) => {
      if (this.#consumers.get(consumerId) !== consumer) return;

      try {
        await step();
        Object.assign(applied, change);
      } catch {
        // Gone, or the connection is down: the next change or the next set-up tries again.
      }
    };

    if (wish.isPaused && applied.isPaused !== true) {
      await send(() => request(this.#socket, 'media:pauseConsumer', { consumerId }), {
        isPaused: true,
      });
    }
    if (wish.priority !== applied.priority) {
      await send(
        () =>
          request(this.#socket, 'media:setConsumerPriority', {
            consumerId,
            priority: wish.priority,
          }),
        { priority: wish.priority },
      );
    }
    if (
      wish.spatialLayer !== applied.spatialLayer ||
      wish.temporalLayer !== applied.temporalLayer
    ) {
      const layers = { spatialLayer: wish.spatialLayer, temporalLayer: wish.temporalLayer };

      await send(
        () =>
          request(this.#socket, 'media:setPreferredLayers', {
            consumerId,
            spatialLayer: wish.spatialLayer,
            ...(wish.temporalLayer === undefined ? {} : { temporalLayer: wish.temporalLayer }),
          }),
        layers,
      );
    }
    if (!wish.isPaused && applied.isPaused === true) {
      await send(() => request(this.#socket, 'media:resumeConsumer', { consumerId }), {
        isPaused: false,
      });
    }
  }
}
