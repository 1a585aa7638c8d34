import type { types } from 'mediasoup-client';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from './MeetingSession.ts';

export interface ScreenShareState {
  isSharing: boolean;
  /** Starting, or stopping until the server has acknowledged: the button waits meanwhile. */
  isBusy: boolean;
  /** Why the last start failed, as an i18n key under `screenShare.`. */
  problem: 'denied' | 'failed' | null;
}

/** Text and slides stay sharp; a low frame rate is enough for a shared document. */
const SCREEN_CONSTRAINTS: MediaStreamConstraints = {
  video: { frameRate: { ideal: 10, max: 15 } },
  audio: false,
};
const SCREEN_ENCODING: types.RtpEncodingParameters = { maxBitrate: 1_000_000 };

/**
 * Sharing this person's screen: one screen producer at a time, also for someone who sends no
 * camera or microphone. A share ends when the user stops it, when the browser's own "stop
 * sharing" ends the track, or when the server closes it with its transport.
 */
export class ScreenShare {
  readonly state = new Store<ScreenShareState>({ isSharing: false, isBusy: false, problem: null });
  readonly #socket: TeamromSocket;
  readonly #sendTransport: () => Promise<types.Transport>;
  #producer: types.Producer | null = null;
  #track: MediaStreamTrack | null = null;
  #lastProducerId: string | null = null;
  /** The last close, until the server acknowledged it; a new share waits for it. */
  #closing: Promise<void> = Promise.resolve();
  readonly #onProducerClosed = ({ producerId }: { producerId: string }) => {
    if (this.#producer?.id === producerId) this.#ended();
  };

  constructor(socket: TeamromSocket, sendTransport: () => Promise<types.Transport>) {
    this.#socket = socket;
    this.#sendTransport = sendTransport;
    socket.on('producer:closed', this.#onProducerClosed);
  }

  async start(): Promise<void> {
    if (this.state.get().isBusy || this.#producer) return;

    this.state.update({ isBusy: true, problem: null });

    let track: MediaStreamTrack | null = null;

    try {
      await this.#closing;

      const stream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CONSTRAINTS);

      track = stream.getVideoTracks()[0] ?? null;
      if (!track) throw new Error('no screen track');
      track.contentHint = 'detail';

      const transport = await this.#sendTransport();
      const produce = () =>
        transport.produce({
          track: track!,
          stopTracks: false,
          encodings: [SCREEN_ENCODING],
          appData: { source: 'screen' },
        });
      const producer = await produce().catch(async (error: unknown) => {
        // A share of ours is still open on the server (its close was lost): close it, once.
        if (!isAlreadySending(error)) throw error;
        await this.#closeOnServer(this.#lastProducerId);

        return produce();
      });

      this.#producer = producer;
      this.#lastProducerId = producer.id;
      this.#track = track;
      producer.on('transportclose', () => this.#ended());
      track.addEventListener('ended', () => void this.stop(), { once: true });
      this.state.update({ isSharing: true, isBusy: false });
    } catch (error) {
      track?.stop();
      this.state.update({
        isSharing: false,
        isBusy: false,
        problem: (error as DOMException).name === 'NotAllowedError' ? 'denied' : 'failed',
      });
    }
  }

  /** Stops the share; resolves when the server has closed the producer. */
  async stop(): Promise<void> {
    const producer = this.#producer;

    if (!producer) return;

    this.#producer = null;
    producer.close();
    this.#track?.stop();
    this.#track = null;
    this.state.update({ isSharing: false, isBusy: true });
    this.#closing = this.#closeOnServer(producer.id);
    await this.#closing;
    this.state.update({ isBusy: false });
  }

  dispose(): void {
    this.#socket.off('producer:closed', this.#onProducerClosed);
    this.#producer?.close();
    this.#producer = null;
    this.#track?.stop();
    this.#track = null;
  }

  async #closeOnServer(producerId: string | null): Promise<void> {
    if (!producerId) return;

    await request(this.#socket, 'media:closeProducer', { producerId }).catch(() => {
      // Already gone with its transport, or the connection dropped and took it along.
    });
  }

  /** The server closed the share (its transport went): reflect it, nothing to close there. */
  #ended(): void {
    this.#producer?.close();
    this.#producer = null;
    this.#track?.stop();
    this.#track = null;
    this.state.update({ isSharing: false });
  }
}

function isAlreadySending(error: unknown): boolean {
  return (
    error instanceof RequestError &&
    (error.details as { reason?: string } | undefined)?.reason === 'already_sending'
  );
}
