import { randomUUID } from 'node:crypto';

import type { Actor } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { GatewaySocket } from '../gateway/context.ts';
import { PersonSockets } from '../gateway/PersonSockets.ts';
import type { Logger } from '../logger.ts';
import type { ParsedRequest, RingEndReason, RingStarted, RingState } from '../protocol/index.ts';
import { assertMayEnter } from '../scheduling/admission.ts';
import type { Call } from './Ring.ts';
import { Ring, isOpen } from './Ring.ts';

/** Longest wait for a device to confirm that it shows a call. */
const DELIVERY_TIMEOUT_MS = 5_000;

/** Title of a meeting made for an ad-hoc call. */
const AD_HOC_TITLE = 'Videomøte';

/** Most calls one person may have ringing at once. */
export const MAX_RINGS_AT_ONCE = 3;
/** Most calls one person may start within a minute. */
export const MAX_RINGS_PER_MINUTE = 10;
const MINUTE_MS = 60_000;

/**
 * Ad-hoc calls: a team member rings chosen people of a patient's care into a meeting now. Every
 * call ends, one way or another: answered, declined, cancelled by the caller (or by the caller's
 * connection closing), or unanswered when the ring expires; every device that showed it is told.
 */
export class RingService {
  readonly #db: Queryable;
  readonly #audit: AuditLog;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #sockets = new PersonSockets();
  readonly #rings = new Map<string, Ring>();
  /** When each caller started their calls of the last minute. */
  readonly #startedAt = new Map<string, number[]>();

  constructor(deps: { db: Queryable; audit: AuditLog; timeoutMs: number; log: Logger }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#timeoutMs = deps.timeoutMs;
    this.#log = deps.log;
  }

  connected(socket: GatewaySocket): void {
    this.#sockets.add(socket);
  }

  /** A closed connection takes its person's device off the list, and cancels its own calls. */
  disconnected(socket: GatewaySocket): void {
    this.#sockets.remove(socket);
    for (const ring of this.#rings.values()) {
      if (ring.callerSocket === socket) this.#endAll(ring, 'cancelled');
    }
  }

  async start(socket: GatewaySocket, request: ParsedRequest<'ring:start'>): Promise<RingStarted> {
    const token = socket.data.token;
    const { patientId, personIds } = request;
    const caller = await this.#callerFor(token, request);

    if (personIds.includes(caller.personId)) {
      throw new AppError('invalid_request', 'a call does not ring its caller');
    }

    const callees = await this.#calleesFor(personIds, patientId);

    this.#assertWithinLimits(caller, personIds);
    if (request.meetingId !== undefined) {
      await this.#assertEnterable(token, request.meetingId, caller, callees);
    }

    const meetingId = request.meetingId ?? (await this.#newMeeting(patientId));
    const ringId = randomUUID();
    const ring = new Ring({
      id: ringId,
      meetingId,
      patientId,
      patientName: await this.#patientName(patientId),
      caller,
      callerSocket: socket,
      expiresAt: new Date(Date.now() + this.#timeoutMs),
      log: this.#log.child({ meetingId, ringId }),
    });

    for (const callee of callees) ring.add(callee, this.#devicesOf(callee.personId, meetingId));
    await this.#audit.record({ ...auditFields(caller, meetingId), outcome: 'success' });

    if (ring.isOver) {
      ring.log.info({ calls: callees.length }, 'ring started; nobody is online');

      return ring.started();
    }

    this.#rings.set(ring.id, ring);
    ring.expireWith(() => this.#endAll(ring, 'timeout'));
    for (const call of ring.calls()) this.#deliver(ring, call);
    ring.log.info(
      { calls: callees.length, offline: ring.calls().filter((c) => c.state === 'offline').length },
      'ring started',
    );

    return ring.started();
  }

  /** The person rung accepts or declines, on one of their devices; the others stop ringing. */
  answer(socket: GatewaySocket, ringId: string, accept: boolean): { meetingId: string } {
    const ring = this.#rings.get(ringId);
    const call = ring?.callTo(socket.data.token.sub);

    if (!ring || !call || !isOpen(call)) throw new AppError('not_found', 'this call has ended');

    this.#settle(ring, call, accept ? 'accepted' : 'declined', {
      reason: 'answered',
      except: socket,
    });

    return { meetingId: ring.meetingId };
  }

  cancel(socket: GatewaySocket, ringId: string): void {
    const ring = this.#rings.get(ringId);

    // Someone else's call is as unknown as one that never was.
    if (!ring || ring.caller.personId !== socket.data.token.sub) {
      throw new AppError('not_found', 'no such call');
    }

    this.#endAll(ring, 'cancelled');
  }

  /** Stops every ring's timer, for a server that shuts down. */
  close(): void {
    for (const ring of this.#rings.values()) ring.stopTimer();
    this.#rings.clear();
  }

  /** The caller, if they are a team member of the patient and their link allows this meeting. */
  async #callerFor(
    token: GatewaySocket['data']['token'],
    request: ParsedRequest<'ring:start'>,
  ): Promise<Actor> {
    const denied = async (error: AppError, actor: Actor | null = null) => {
      await this.#audit.record({
        actorId: token.sub,
        actorRole: actor?.role ?? null,
        organisationId: actor?.organisationId ?? null,
        patientId: request.patientId,
        meetingId: request.meetingId ?? null,
        action: 'meeting.ring',
        outcome: 'denied',
      });

      return error;
    };
    let actor: Actor;

    try {
      actor = await new CareTeamAccess(this.#db).actorFor(token.sub, request.patientId);
    } catch (error) {
      throw error instanceof AppError ? await denied(error) : error;
    }

    if (!isStaff(actor.role)) {
      throw await denied(new AppError('forbidden', 'only team members start a call'), actor);
    }
    // A call opens a meeting to the patient as a link does: only for staff who may read the plan.
    try {
      await new CareTeamAccess(this.#db).planReader(token, request.patientId);
    } catch (error) {
      throw error instanceof AppError ? await denied(error, actor) : error;
    }
    // A link made for one meeting calls people into that meeting only, never into a new one.
    if (token.meetingId !== undefined && request.meetingId !== token.meetingId) {
      throw await denied(new AppError('forbidden', 'this link calls into its own meeting only'));
    }
    if (request.meetingId !== undefined) {
      const [meeting] = await this.#db.query<{ patient_id: string }>(
        'select patient_id from meetings where id = $1',
        [request.meetingId],
      );

      if (!meeting) throw new AppError('not_found', 'no such meeting');
      if (meeting.patient_id !== request.patientId) {
        throw await denied(new AppError('forbidden', 'that meeting is about another patient'));
      }
    }

    return actor;
  }

  /**
   * At most MAX_RINGS_AT_ONCE calls ringing and MAX_RINGS_PER_MINUTE started a minute by one
   * caller, and one call at a time from a caller to the same person; counted on this node.
   */
  #assertWithinLimits(caller: Actor, personIds: string[]): void {
    const now = Date.now();
    const recent = (this.#startedAt.get(caller.personId) ?? []).filter(
      (at) => at > now - MINUTE_MS,
    );
    const running = [...this.#rings.values()].filter(
      (ring) => ring.caller.personId === caller.personId && !ring.isOver,
    );
    const limited = (message: string, retryAfterSeconds: number) =>
      new AppError('rate_limited', message, { retryAfterSeconds: Math.max(1, retryAfterSeconds) });
    const ringSeconds = (ring: Ring) => Math.ceil((ring.expiresAt.getTime() - now) / 1000);

    const callingAlready = running.find((ring) =>
      personIds.some((id) => {
        const call = ring.callTo(id);

        return call !== undefined && isOpen(call);
      }),
    );

    if (callingAlready) {
      throw limited('you are already calling this person', ringSeconds(callingAlready));
    }
    if (running.length >= MAX_RINGS_AT_ONCE) {
      throw limited(
        `at most ${MAX_RINGS_AT_ONCE} calls can ring at once`,
        Math.min(...running.map(ringSeconds)),
      );
    }
    if (recent.length >= MAX_RINGS_PER_MINUTE) {
      throw limited(
        `at most ${MAX_RINGS_PER_MINUTE} calls can be started a minute`,
        Math.ceil((recent[0]! + MINUTE_MS - now) / 1000),
      );
    }

    this.#startedAt.set(caller.personId, [...recent, now]);
  }

  /**
   * Refuses a call into a meeting that those rung could not enter: cancelled, or (for the patient,
   * relatives and interpreters) not open yet or over, with the codes joining would give.
   */
  async #assertEnterable(
    token: GatewaySocket['data']['token'],
    meetingId: string,
    caller: Actor,
    callees: Actor[],
  ): Promise<void> {
    for (const actor of [caller, ...callees]) {
      try {
        await assertMayEnter(this.#db, actor, meetingId);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;

        await this.#audit.record({
          ...auditFields(caller, meetingId),
          actorId: token.sub,
          outcome: 'denied',
        });
        throw new AppError(
          error.code,
          actor === caller
            ? `the call cannot be made: ${error.message}`
            : `${actor.displayName} cannot come into this meeting now: ${error.message}`,
          error.details,
        );
      }
    }
  }

  async #calleesFor(personIds: string[], patientId: string): Promise<Actor[]> {
    const access = new CareTeamAccess(this.#db);
    const callees = await Promise.all(
      personIds.map((id) =>
        access.actorFor(id, patientId).catch((error: unknown) => {
          if (error instanceof AppError) return null;
          throw error;
        }),
      ),
    );

    if (callees.some((c) => c === null)) {
      throw new AppError('invalid_request', "everyone called must belong to the patient's care");
    }

    return callees as Actor[];
  }

  async #newMeeting(patientId: string): Promise<string> {
    const meetingId = randomUUID();

    await this.#db.query('insert into meetings (id, patient_id, title) values ($1, $2, $3)', [
      meetingId,
      patientId,
      AD_HOC_TITLE,
    ]);

    return meetingId;
  }

  async #patientName(patientId: string): Promise<string> {
    const [row] = await this.#db.query<{ display_name: string }>(
      `select p.display_name from patients pt join persons p on p.id = pt.person_id
        where pt.id = $1`,
      [patientId],
    );

    return row?.display_name ?? '';
  }

  /** The person's devices on which the meeting can be joined: their link allows it, and is valid. */
  #devicesOf(personId: string, meetingId: string): GatewaySocket[] {
    return this.#sockets.of(personId).filter((s) => {
      const { meetingId: only, exp } = s.data.token;

      return (only === undefined || only === meetingId) && exp * 1000 > Date.now();
    });
  }

  /**
   * Rings every device of the call. A device acknowledges once it shows the call; the first one
   * to do so moves the call to `ringing`. An acknowledgement that never comes is waited for only
   * so long: the call then rings on until it is answered or expires.
   */
  #deliver(ring: Ring, call: Call): void {
    const incoming = ring.incoming();

    for (const socket of call.sockets) {
      socket
        .timeout(Math.min(DELIVERY_TIMEOUT_MS, this.#timeoutMs))
        .emitWithAck('ring:incoming', incoming)
        .then(
          () => {
            if (call.state === 'calling') this.#settle(ring, call, 'ringing');
          },
          () => ring.log.debug({ socketId: socket.id }, 'a device did not confirm a call'),
        );
    }
  }

  #endAll(ring: Ring, reason: 'timeout' | 'cancelled'): void {
    for (const call of ring.calls()) {
      if (isOpen(call)) this.#settle(ring, call, reason, { reason });
    }
  }

  /**
   * Moves one call on and tells the caller. With `end`, the callee's devices (but `except`, the
   * one that answered) stop showing the call. The ring closes when no call is open.
   */
  #settle(
    ring: Ring,
    call: Call,
    state: RingState,
    end?: { reason: RingEndReason; except?: GatewaySocket },
  ): void {
    call.state = state;
    ring.callerSocket.emit('ring:update', {
      ringId: ring.id,
      personId: call.callee.personId,
      state,
    });

    if (end) {
      for (const socket of call.sockets) {
        if (socket !== end.except)
          socket.emit('ring:ended', { ringId: ring.id, reason: end.reason });
      }
    }

    if (ring.isOver && this.#rings.get(ring.id) === ring) {
      ring.stopTimer();
      this.#rings.delete(ring.id);
      ring.log.info({ outcomes: ring.calls().map((c) => c.state) }, 'ring ended');
    }
  }
}

function auditFields(caller: Actor, meetingId: string) {
  return {
    actorId: caller.personId,
    actorRole: caller.role,
    organisationId: caller.organisationId,
    patientId: caller.patientId,
    meetingId,
    action: 'meeting.ring' as const,
  };
}
