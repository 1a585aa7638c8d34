import type { Actor } from '../access/CareTeamAccess.ts';
import type { GatewaySocket } from '../gateway/context.ts';
import type { Logger } from '../logger.ts';
import type { IncomingRing, RingStarted, RingState } from '../protocol/index.ts';

/** The call to one person: where it stands, and the devices it rings on. */
export interface Call {
  callee: Actor;
  state: RingState;
  sockets: GatewaySocket[];
}

const OPEN: ReadonlySet<RingState> = new Set(['calling', 'ringing']);

export function isOpen(call: Call): boolean {
  return OPEN.has(call.state);
}

/** One ad-hoc call from a team member to chosen people of a patient's care, into one meeting. */
export class Ring {
  readonly id: string;
  readonly meetingId: string;
  readonly patientId: string;
  readonly patientName: string;
  readonly caller: Actor;
  readonly callerSocket: GatewaySocket;
  readonly expiresAt: Date;
  readonly log: Logger;
  readonly #calls = new Map<string, Call>();
  #timer: NodeJS.Timeout | null = null;

  constructor(init: {
    id: string;
    meetingId: string;
    patientId: string;
    patientName: string;
    caller: Actor;
    callerSocket: GatewaySocket;
    expiresAt: Date;
    log: Logger;
  }) {
    this.id = init.id;
    this.meetingId = init.meetingId;
    this.patientId = init.patientId;
    this.patientName = init.patientName;
    this.caller = init.caller;
    this.callerSocket = init.callerSocket;
    this.expiresAt = init.expiresAt;
    this.log = init.log;
  }

  /** No call is waiting for an answer any more. */
  get isOver(): boolean {
    return !this.calls().some(isOpen);
  }

  add(callee: Actor, sockets: GatewaySocket[]): Call {
    const call: Call = { callee, state: sockets.length > 0 ? 'calling' : 'offline', sockets };

    this.#calls.set(callee.personId, call);

    return call;
  }

  callTo(personId: string): Call | undefined {
    return this.#calls.get(personId);
  }

  calls(): Call[] {
    return [...this.#calls.values()];
  }

  /** Runs `onTimeout` when the ring expires, unless it is over by then. */
  expireWith(onTimeout: () => void): void {
    this.#timer = setTimeout(onTimeout, this.expiresAt.getTime() - Date.now());
    // A ring never keeps the process alive on its own.
    this.#timer.unref();
  }

  stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  incoming(): IncomingRing {
    return {
      ringId: this.id,
      meetingId: this.meetingId,
      patientId: this.patientId,
      patientName: this.patientName,
      from: {
        personId: this.caller.personId,
        displayName: this.caller.displayName,
        role: this.caller.role,
        organisation: this.caller.organisation,
      },
      expiresAt: this.expiresAt.toISOString(),
    };
  }

  started(): RingStarted {
    return {
      ringId: this.id,
      meetingId: this.meetingId,
      expiresAt: this.expiresAt.toISOString(),
      calls: this.calls().map((c) => ({
        personId: c.callee.personId,
        displayName: c.callee.displayName,
        role: c.callee.role,
        state: c.state,
      })),
    };
  }
}
