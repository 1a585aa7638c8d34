import type { Ack } from '@teamrom/signaling/protocol';

import type { TeamromSocket } from '../meeting/MeetingSession.ts';

type Handler = (...args: unknown[]) => void;

interface Sent {
  event: string;
  payload: unknown;
  ack: (response: Ack<unknown>) => void;
}

/** The client end of a Socket.io connection, for unit tests: the test plays the server. */
export class FakeSocket {
  connected = true;
  readonly sent: Sent[] = [];
  readonly #handlers = new Map<string, Handler[]>();

  get asSocket(): TeamromSocket {
    return this as unknown as TeamromSocket;
  }

  on(event: string, handler: Handler) {
    this.#handlers.set(event, [...(this.#handlers.get(event) ?? []), handler]);

    return this;
  }

  once(event: string, handler: Handler) {
    const wrapped: Handler = (...args) => {
      this.off(event, wrapped);
      handler(...args);
    };

    return this.on(event, wrapped);
  }

  off(event: string, handler: Handler) {
    this.#handlers.set(
      event,
      (this.#handlers.get(event) ?? []).filter((h) => h !== handler),
    );

    return this;
  }

  emit(event: string, payload: unknown, ack: Sent['ack']) {
    this.sent.push({ event, payload, ack });

    return this;
  }

  /** The server sends an event to this client. */
  receive(event: string, ...args: unknown[]) {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) handler(...args);
  }

  /** The last request of a kind, to answer. */
  last(event: string): Sent {
    const sent = this.sent.filter((s) => s.event === event).at(-1);

    if (!sent) throw new Error(`no ${event} was sent`);

    return sent;
  }
}
