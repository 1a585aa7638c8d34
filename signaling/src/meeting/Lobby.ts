import type { Actor } from '../access/CareTeamAccess.ts';
import type { GatewaySocket } from '../gateway/context.ts';
import type { WaitingPerson } from '../protocol/index.ts';

/** One person waiting to be let into a meeting, through one connection. */
export interface Waiting {
  /** The id they will have as a peer once let in. */
  peerId: string;
  actor: Actor;
  socket: GatewaySocket;
  since: Date;
  /** The patient's preferred language, when the waiting person is the patient. */
  language: string | null;
}

/** The people waiting to be let into one meeting, in the order they began to wait. */
export class Lobby {
  readonly meetingId: string;
  readonly patientId: string;
  readonly #waiting = new Map<string, Waiting>();

  constructor(meetingId: string, patientId: string) {
    this.meetingId = meetingId;
    this.patientId = patientId;
  }

  get isEmpty(): boolean {
    return this.#waiting.size === 0;
  }

  get(peerId: string): Waiting | undefined {
    return this.#waiting.get(peerId);
  }

  ofPerson(personId: string): Waiting | undefined {
    return this.all().find((w) => w.actor.personId === personId);
  }

  ofSocket(socket: GatewaySocket): Waiting | undefined {
    return this.all().find((w) => w.socket === socket);
  }

  add(waiting: Waiting): void {
    this.#waiting.set(waiting.peerId, waiting);
  }

  remove(peerId: string): Waiting | undefined {
    const waiting = this.#waiting.get(peerId);

    this.#waiting.delete(peerId);

    return waiting;
  }

  /** Longest waiting first. */
  all(): Waiting[] {
    return [...this.#waiting.values()].sort((a, b) => a.since.getTime() - b.since.getTime());
  }

  list(): WaitingPerson[] {
    return this.all().map(waitingPerson);
  }
}

/** A waiting person as the team sees them in the list. */
export function waitingPerson(w: Waiting): WaitingPerson {
  return {
    peerId: w.peerId,
    personId: w.actor.personId,
    displayName: w.actor.displayName,
    role: w.actor.role,
    organisation: w.actor.organisation,
    waitingSince: w.since.toISOString(),
  };
}
