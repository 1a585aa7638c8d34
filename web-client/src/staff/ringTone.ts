/** A soft two-note ring, repeated every two seconds while a call rings this device. */
export class RingTone {
  #context: AudioContext | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.#timer) return;

    try {
      this.#context = new AudioContext();
    } catch {
      return;
    }
    // Browsers may hold sound back until the person has pressed something on the page; the
    // dialog is seen then, without sound.
    void this.#context.resume().catch(() => {});
    this.#ring();
    this.#timer = setInterval(() => this.#ring(), 2000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    void this.#context?.close().catch(() => {});
    this.#context = null;
  }

  #ring(): void {
    const context = this.#context;

    if (!context || context.state !== 'running') return;

    const now = context.currentTime;

    [0, 0.25].forEach((offset, index) => {
      const oscillator = context.createOscillator();
      const gain = context.createGain();

      oscillator.frequency.value = index === 0 ? 660 : 880;
      gain.gain.setValueAtTime(0, now + offset);
      gain.gain.linearRampToValueAtTime(0.15, now + offset + 0.03);
      gain.gain.linearRampToValueAtTime(0, now + offset + 0.22);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(now + offset);
      oscillator.stop(now + offset + 0.25);
    });
  }
}
