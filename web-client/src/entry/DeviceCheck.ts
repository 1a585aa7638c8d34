import { Store } from '../lib/Store.ts';
import type { ConnectionResult } from './connectionProbe.ts';

export type DeviceResult = 'checking' | 'ok' | 'denied' | 'missing';
export type SpeakerResult = 'untested' | 'playing' | 'asking' | 'heard' | 'notHeard' | 'failed';

export interface DeviceCheckState {
  /** Camera and microphone as opened for the check; stopped when the check ends. */
  stream: MediaStream | null;
  camera: DeviceResult;
  microphone: DeviceResult;
  /** The microphone's input level now, 0 to 1. */
  level: number;
  /** Whether the microphone has picked up any sound since the check began. */
  hasHeardSound: boolean;
  /** The browser holds sound back until the person presses something on the page. */
  isAudioHeldBack: boolean;
  speaker: SpeakerResult;
  connection: ConnectionResult | 'checking';
}

/** An input peak this loud (0 to 1) counts as sound: well above a quiet room's hiss. */
const SOUND_PEAK = 0.05;
const METER_EVERY_MS = 100;
/** Share of the shown level kept from one look to the next. */
const METER_FALL = 0.8;
/**
 * Samples looked at each time: more than the time between two looks (8192 at 48 kHz is 170 ms),
 * so that a short sound, a word or a click, is never missed between them.
 */
const WINDOW_SAMPLES = 8192;
const TONE_SECONDS = 1.5;

/**
 * The pre-call check before a meeting: the camera (a preview), the microphone (a level meter
 * through an AnalyserNode), the speakers (a test tone from an OscillatorNode, and the person says
 * whether they heard it) and the connection to Teamrom. Lives outside React; the page shows
 * `state` and calls the methods.
 */
export class DeviceCheck {
  readonly state = new Store<DeviceCheckState>({
    stream: null,
    camera: 'checking',
    microphone: 'checking',
    level: 0,
    hasHeardSound: false,
    isAudioHeldBack: false,
    speaker: 'untested',
    connection: 'checking',
  });
  readonly #probe: () => Promise<ConnectionResult>;
  #audio: AudioContext | null = null;
  #meter: ReturnType<typeof setInterval> | null = null;
  #isDisposed = false;

  constructor(probe: () => Promise<ConnectionResult>) {
    this.#probe = probe;
  }

  /** Opens camera and microphone and checks the connection, both at once. */
  start(): void {
    void this.openDevices();
    void this.checkConnection();
  }

  /** Asks for camera and microphone (again, after the person fixed something). */
  async openDevices(): Promise<void> {
    this.#stopDevices();
    this.state.update({ camera: 'checking', microphone: 'checking', level: 0 });

    const video = await openOne({ video: { width: 640, height: 360 } });
    const audio = await openOne({ audio: true });

    if (this.#isDisposed) {
      for (const result of [video, audio]) {
        if (result instanceof MediaStream) result.getTracks().forEach((t) => t.stop());
      }

      return;
    }

    const tracks = [video, audio].flatMap((r) => (r instanceof MediaStream ? r.getTracks() : []));

    this.state.update({
      stream: tracks.length > 0 ? new MediaStream(tracks) : null,
      camera: video instanceof MediaStream ? 'ok' : video,
      microphone: audio instanceof MediaStream ? 'ok' : audio,
    });
    if (audio instanceof MediaStream) this.#startMeter(audio);
  }

  async checkConnection(): Promise<void> {
    this.state.update({ connection: 'checking' });

    const result = await this.#probe();

    if (!this.#isDisposed) this.state.update({ connection: result });
  }

  /** Plays a short, gentle tone, then asks whether it was heard. */
  async playTone(): Promise<void> {
    try {
      const context = this.#context();

      // Created after a click, so the browser lets it play.
      await context.resume();

      const oscillator = context.createOscillator();
      const gain = context.createGain();
      const now = context.currentTime;

      oscillator.type = 'sine';
      oscillator.frequency.value = 660;
      // Fades in and out: no click at either end.
      gain.gain.setValueAtTime(0, now);
      gain.gain.linearRampToValueAtTime(0.25, now + 0.1);
      gain.gain.setValueAtTime(0.25, now + TONE_SECONDS - 0.2);
      gain.gain.linearRampToValueAtTime(0, now + TONE_SECONDS);
      oscillator.connect(gain).connect(context.destination);
      this.state.update({ speaker: 'playing' });
      oscillator.onended = () => {
        oscillator.disconnect();
        gain.disconnect();
        if (!this.#isDisposed) this.state.update({ speaker: 'asking' });
      };
      oscillator.start(now);
      oscillator.stop(now + TONE_SECONDS);
    } catch {
      this.state.update({ speaker: 'failed' });
    }
  }

  /** After a press on the page: lets the level meter run where the browser held it back. */
  async resumeAudio(): Promise<void> {
    await this.#audio?.resume().catch(() => {});
    this.state.update({ isAudioHeldBack: this.#audio?.state === 'suspended' });
  }

  answerTone(isHeard: boolean): void {
    this.state.update({ speaker: isHeard ? 'heard' : 'notHeard' });
  }

  /** Stops camera, microphone and sound; the meeting opens its own. */
  dispose(): void {
    this.#isDisposed = true;
    this.#stopDevices();
    void this.#audio?.close().catch(() => {});
    this.#audio = null;
  }

  #context(): AudioContext {
    this.#audio ??= new AudioContext();

    return this.#audio;
  }

  #startMeter(stream: MediaStream): void {
    const context = this.#context();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    const samples = new Float32Array(WINDOW_SAMPLES);

    analyser.fftSize = samples.length;
    source.connect(analyser);
    // The meter reads the input only; nothing is played back, so there is no echo.
    void context.resume().then(
      () => this.state.update({ isAudioHeldBack: context.state === 'suspended' }),
      () => this.state.update({ isAudioHeldBack: true }),
    );
    this.#meter = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);

      let peak = 0;

      for (const sample of samples) peak = Math.max(peak, Math.abs(sample));

      const { hasHeardSound, level } = this.state.get();

      // Scaled so that speech at a normal distance fills most of the meter; it falls back slowly,
      // so that a short sound stays in sight long enough to be seen.
      this.state.update({
        level: Math.max(Math.min(1, peak * 1.5), level * METER_FALL),
        hasHeardSound: hasHeardSound || peak >= SOUND_PEAK,
      });
    }, METER_EVERY_MS);
  }

  #stopDevices(): void {
    if (this.#meter) clearInterval(this.#meter);
    this.#meter = null;
    this.state
      .get()
      .stream?.getTracks()
      .forEach((track) => track.stop());
    this.state.update({ stream: null });
  }
}

async function openOne(
  constraints: MediaStreamConstraints,
): Promise<MediaStream | 'denied' | 'missing'> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    const name = (error as DOMException).name;

    return name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'missing';
  }
}
