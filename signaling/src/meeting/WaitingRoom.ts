import { randomUUID } from 'node:crypto';

import type { Server } from 'socket.io';

import { isStaff } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import { AppError } from '../errors.ts';
import type { GatewayServer, GatewaySocket } from '../gateway/context.ts';
import type { Logger } from '../logger.ts';
import type { RedisLobbies } from '../cluster/RedisLobbies.ts';
import type {
  EnterReply,
  ErrorCode,
  LobbyStatus,
  ParticipantRole,
  WaitingPerson,
} from '../protocol/index.ts';
import type { Waiting } from './Lobby.ts';
import { Lobby, waitingPerson } from './Lobby.ts';
import type { MeetingService } from './MeetingService.ts';
import type { Peer } from './Peer.ts';

export type Entered =
  { status: 'joined'; peer: Peer; reply: EnterReply } | { status: 'waiting'; reply: EnterReply };

/** Who lets a waiting person in, as the audit trail records it. */
interface LetInBy {
  peerId: string;
  actorId: string;
  actorRole: ParticipantRole;
  organisationId: string | null;
}

/** What the node holding a waiting person answers another node's request to let them in. */
type AdmitAnswer = { ok: true } | { ok: false; code: ErrorCode; message: string } | null;

/**
 * The waiting rooms of the meetings on this node. Patients, relatives and interpreters wait here
 * until a team member in the meeting lets them in, one at a time; a team member can send them
 * back. A waiting room holds people also while no team member is in the meeting.
 *
 * In a cluster (MEDIA_MODE=cluster) each waiting person is also written to Redis (RedisLobbies)
 * with the node that holds their connection: team members on every node see the whole list, and
 * a team member on another node lets a person in by asking the nodes (Socket.io's serverSideEmit
 * through the adapter); the node holding the connection takes them out of its waiting room, at
 * once and only once, and lets them in there. Who was let in is remembered on the node that let
 * them in, so a let-in person whose reconnect lands on another node waits again.
 */
export class WaitingRoom {
  readonly #io: GatewayServer;
  readonly #meetings: MeetingService;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #lobbies = new Map<string, Lobby>();
  readonly #lobbyOfSocket = new Map<GatewaySocket, Lobby>();
  /** Waiting people whose connection dropped, until their place is given up. */
  readonly #held = new Map<Waiting, NodeJS.Timeout>();
  /** The cluster's shared waiting rooms; null for a single node. */
  readonly #shared: RedisLobbies | null;
  /** Writes to the shared waiting rooms, in order. */
  #writes: Promise<void> = Promise.resolve();
  /** Lists sent to this node's team members, in order. */
  #telling: Promise<void> = Promise.resolve();

  constructor(deps: {
    io: GatewayServer;
    meetings: MeetingService;
    audit: AuditLog;
    log: Logger;
    lobbies?: RedisLobbies | null;
  }) {
    this.#io = deps.io;
    this.#meetings = deps.meetings;
    this.#audit = deps.audit;
    this.#log = deps.log;
    this.#shared = deps.lobbies ?? null;

    this.#meetings.events.on('peerjoined', (peer) => this.#onTeamChanged(peer, true));
    this.#meetings.events.on('peerleft', (peer) => this.#onTeamChanged(peer, false));
    if (this.#shared) this.#listenToCluster(this.#shared);
  }

  isWaiting(socket: GatewaySocket): boolean {
    return this.#lobbyOfSocket.has(socket);
  }

  /** Comes into a meeting: at once for those who need not wait, else into its waiting room. */
  async enter(socket: GatewaySocket, meetingId: string): Promise<Entered> {
    const entrant = await this.#meetings.authorise(socket.data.token, meetingId);

    if (!entrant.mustWait) {
      const { peer, reply } = await this.#meetings.enter(socket, entrant);

      return { status: 'joined', peer, reply: { status: 'joined', ...reply } };
    }

    if (!socket.connected) throw new AppError('not_in_meeting', 'the connection closed');

    const lobby = this.#lobbyFor(meetingId, entrant.patientId);
    // One connection per person: a reload or a second tab takes the older one's place, and keeps
    // the time waited so far.
    const previous = lobby.ofPerson(entrant.actor.personId);

    if (previous) {
      // Replaced in place: the team sees one list with the person still in it, and the lobby
      // stays open even when they were the only one waiting.
      this.#forget(lobby, previous);
      previous.socket.emit('meeting:ended', { reason: 'replaced' });
    }

    const waiting: Waiting = {
      peerId: randomUUID(),
      actor: entrant.actor,
      socket,
      since: previous?.since ?? new Date(),
      language: entrant.language,
    };

    this.#add(lobby, waiting);
    this.#log.info(
      { meetingId, peerId: waiting.peerId, role: entrant.actor.role },
      'waiting to be let in',
    );

    return {
      status: 'waiting',
      reply: { status: 'waiting', ...(await this.#statusNow(lobby, waiting)) },
    };
  }

  async status(socket: GatewaySocket): Promise<LobbyStatus> {
    const lobby = this.#lobbyOfSocket.get(socket);
    const waiting = lobby?.ofSocket(socket);

    if (!lobby || !waiting) throw new AppError('not_in_meeting', 'you are not waiting to come in');

    return this.#statusNow(lobby, waiting);
  }

  /** A team member in the meeting lets one waiting person in. */
  async admit(member: Peer, peerId: string): Promise<void> {
    this.#requireTeamMember(member);

    const meeting = member.meeting;
    const lobby = this.#lobbies.get(meeting.id);
    const waiting = lobby?.get(peerId);
    if ((!lobby || !waiting) && this.#shared) {
      const entry = await this.#shared.find(meeting.id, peerId).catch((error: unknown) => {
        this.#log.warn({ err: error, meetingId: meeting.id }, 'reading the waiting room failed');
        throw new AppError('capacity', 'the waiting room cannot be read just now; try again soon');
      });

      if (!entry || entry.nodeId === this.#shared.nodeId) {
        throw new AppError('not_found', 'nobody with that id is waiting');
      }
      await this.#askHolder(
        'lobby:admit',
        meeting.id,
        peerId,
        byOf(member),
        'nobody with that id is waiting',
      );

      return;
    }
    if (!lobby || !waiting) throw new AppError('not_found', 'nobody with that id is waiting');

    await this.#letInHere(lobby, waiting, byOf(member));
  }

  /** Lets in a person waiting on this node; `by` is the team member, on any node. */
  async #letInHere(lobby: Lobby, waiting: Waiting, by: LetInBy): Promise<void> {
    if (this.#held.has(waiting)) {
      throw new AppError('not_found', 'their connection is down for a moment; try again soon');
    }

    const { socket } = waiting;
    const meetingId = lobby.meetingId;

    this.#remove(lobby, waiting);
    // No second entry on this connection while it is being let in.
    socket.data.isJoining = true;

    try {
      // Checked again: consent or membership may have changed while they waited.
      const entrant = await this.#meetings
        .authorise(socket.data.token, meetingId)
        .catch((error: unknown) => {
          if (!(error instanceof AppError)) throw error;

          socket.emit('meeting:ended', { reason: 'removed' });
          throw new AppError('not_found', 'that person may no longer join this meeting');
        });

      this.#meetings.meeting(meetingId)?.letIn(entrant.actor.personId);

      const { peer, reply } = await this.#meetings.enter(
        socket,
        { ...entrant, mustWait: false },
        waiting.peerId,
      );

      // The connection may have closed while they were being let in: leave no ghost behind.
      if (socket.disconnected) {
        await this.#meetings.leave(peer, 'disconnected');
        throw new AppError('not_found', 'the person left before they were let in');
      }

      // Here, and for every node of a cluster: they come straight back after a dropped
      // connection, also through another node (and when the team member is on another node).
      this.#meetings.rememberLetIn(peer.meeting, entrant.actor.personId);
      socket.data.peer = peer;
      socket.emit('lobby:admitted', reply);
      await this.#audit.record({
        actorId: by.actorId,
        actorRole: by.actorRole,
        organisationId: by.organisationId,
        patientId: lobby.patientId,
        meetingId,
        action: 'meeting.admit',
        outcome: 'success',
      });
      peer.log.info({ by: by.peerId }, 'let in from the waiting room');
    } finally {
      socket.data.isJoining = false;
    }
  }

  /**
   * Lets in a person waiting on another node (`lobby:admit`), or sends back a person in the meeting
   * through another node (`lobby:return`): the node holding their connection does it, and answers
   * whether it did. Every node is asked (the adapter waits for all of them, at most five seconds);
   * only the one holding the person answers.
   */
  async #askHolder(
    event: 'lobby:admit' | 'lobby:return',
    meetingId: string,
    peerId: string,
    by: LetInBy,
    notFound: string,
  ): Promise<void> {
    const { failed, answers } = await new Promise<{ failed: boolean; answers: unknown[] }>(
      (resolve) => {
        this.#serverSide.serverSideEmit(
          event,
          { meetingId, peerId, by },
          (error: Error | null, responses: unknown[]) =>
            resolve({ failed: error !== null, answers: responses ?? [] }),
        );
      },
    );
    const answer = answers.find((a): a is Exclude<AdmitAnswer, null> => isAdmitAnswer(a) && !!a);

    if (!answer) {
      if (failed) {
        throw new AppError(
          'capacity',
          'the signalling node of that person did not answer; try again soon',
        );
      }
      throw new AppError('not_found', notFound);
    }
    if (!answer.ok) throw new AppError(answer.code, answer.message);
    this.#log.info({ meetingId, peerId, by: by.peerId, event }, 'done by another signalling node');
  }

  /**
   * A team member sends a patient, relative or interpreter back to the waiting room: they leave
   * the meeting with all of their media, and wait again on the same connection.
   */
  async sendBack(member: Peer, peerId: string): Promise<void> {
    this.#requireTeamMember(member);

    const meeting = member.meeting;
    const peer = meeting.peer(peerId);

    if (!peer && this.#shared) {
      const elsewhere = (await this.#meetings.elsewhere(meeting.id)).find(
        (p) => p.peerId === peerId,
      );

      if (!elsewhere) throw new AppError('not_found', 'nobody with that id is in the meeting');
      if (isStaff(elsewhere.actor.role)) {
        throw new AppError('invalid_request', 'team members are not sent to the waiting room');
      }
      await this.#askHolder(
        'lobby:return',
        meeting.id,
        peerId,
        byOf(member),
        'nobody with that id is in the meeting',
      );

      return;
    }
    if (!peer) throw new AppError('not_found', 'nobody with that id is in the meeting');

    await this.#sendBackHere(peer, byOf(member));
  }

  /** Sends back a participant whose connection is on this node; `by` is on any node. */
  async #sendBackHere(peer: Peer, by: LetInBy): Promise<void> {
    const meeting = peer.meeting;

    if (isStaff(peer.actor.role)) {
      throw new AppError('invalid_request', 'team members are not sent to the waiting room');
    }

    await this.#meetings.forgetLetIn(meeting, peer.actor.personId);
    await this.#meetings.leave(peer, 'returned');
    await this.#audit.record({
      actorId: by.actorId,
      actorRole: by.actorRole,
      organisationId: by.organisationId,
      patientId: meeting.patientId,
      meetingId: meeting.id,
      action: 'meeting.return',
      outcome: 'success',
    });
    peer.log.info({ by: by.peerId }, 'sent back to the waiting room');

    const socket = this.#io.sockets.sockets.get(peer.socket.id);

    if (!socket?.connected) return;

    // Checked again: whoever is sent back waits only while they still belong to the care.
    const entrant = await this.#meetings
      .authorise(socket.data.token, meeting.id)
      .catch((error: unknown) => {
        if (error instanceof AppError) return null;
        throw error;
      });

    if (!entrant || !socket.connected) {
      socket.emit('meeting:ended', { reason: 'removed' });

      return;
    }

    const lobby = this.#lobbyFor(meeting.id, meeting.patientId);
    const waiting: Waiting = {
      peerId: peer.id,
      actor: entrant.actor,
      socket,
      since: new Date(),
      language: entrant.language,
    };

    this.#add(lobby, waiting);
    socket.emit('lobby:returned', await this.#statusNow(lobby, waiting));
  }

  /** The waiting person left (meeting:leave) or their connection closed. */
  leave(socket: GatewaySocket): void {
    const lobby = this.#lobbyOfSocket.get(socket);
    const waiting = lobby?.ofSocket(socket);

    if (!lobby || !waiting) return;

    this.#remove(lobby, waiting);
    this.#log.info({ meetingId: lobby.meetingId, peerId: waiting.peerId }, 'left the waiting room');
  }

  /**
   * A waiting person's connection dropped: they keep their place for `graceMs`, and wait on if
   * their connection is recovered, or enter again, in that time.
   */
  hold(socket: GatewaySocket, graceMs: number): void {
    const lobby = this.#lobbyOfSocket.get(socket);
    const waiting = lobby?.ofSocket(socket);

    if (!lobby || !waiting || this.#held.has(waiting)) return;
    if (graceMs <= 0) {
      this.leave(socket);

      return;
    }

    const timer = setTimeout(() => {
      this.#held.delete(waiting);
      if (lobby.get(waiting.peerId) === waiting) this.leave(waiting.socket);
    }, graceMs);

    timer.unref();
    this.#held.set(waiting, timer);
  }

  /** Socket.io recovered a waiting person's connection: they wait on through it. */
  reattach(socket: GatewaySocket): void {
    for (const lobby of this.#lobbies.values()) {
      const waiting = lobby.all().find((w) => w.socket.id === socket.id && w.socket !== socket);

      if (!waiting) continue;

      clearTimeout(this.#held.get(waiting));
      this.#held.delete(waiting);
      this.#lobbyOfSocket.delete(waiting.socket);
      waiting.socket = socket;
      this.#lobbyOfSocket.set(socket, lobby);
    }
  }

  #lobbyFor(meetingId: string, patientId: string): Lobby {
    let lobby = this.#lobbies.get(meetingId);

    if (!lobby) {
      lobby = new Lobby(meetingId, patientId);
      this.#lobbies.set(meetingId, lobby);
    }

    return lobby;
  }

  #add(lobby: Lobby, waiting: Waiting): void {
    lobby.add(waiting);
    this.#lobbyOfSocket.set(waiting.socket, lobby);
    this.#share((s) => s.put(lobby.meetingId, waitingPerson(waiting)));
    this.#tellTeam(lobby);
  }

  #remove(lobby: Lobby, waiting: Waiting): void {
    this.#forget(lobby, waiting);
    if (lobby.isEmpty && this.#lobbies.get(lobby.meetingId) === lobby) {
      this.#lobbies.delete(lobby.meetingId);
    }
    this.#tellTeam(lobby);
  }

  #forget(lobby: Lobby, waiting: Waiting): void {
    clearTimeout(this.#held.get(waiting));
    this.#held.delete(waiting);
    lobby.remove(waiting.peerId);
    this.#lobbyOfSocket.delete(waiting.socket);
    this.#share((s) => s.remove(lobby.meetingId, waiting.peerId));
  }

  /** Writes a change to the shared waiting rooms, after those before it. */
  #share(write: (shared: RedisLobbies) => Promise<void>): void {
    const shared = this.#shared;

    if (!shared) return;
    this.#writes = this.#writes
      .then(() => write(shared))
      .catch((error: unknown) =>
        this.#log.warn({ err: error }, 'writing the shared waiting room failed'),
      );
  }

  /** The socket.io server for messages between signalling nodes. */
  get #serverSide(): Server {
    return this.#io as unknown as Server;
  }

  #listenToCluster(shared: RedisLobbies): void {
    shared.onSwept = (meetingId) => this.#announce(meetingId);
    // Redis came back without them: this node's waiting people are written again.
    shared.onRepublish = () => {
      for (const lobby of this.#lobbies.values()) {
        for (const waiting of lobby.all()) {
          this.#share((s) => s.put(lobby.meetingId, waitingPerson(waiting)));
        }
        this.#announce(lobby.meetingId);
      }
    };
    this.#serverSide.on('lobby:changed', (meetingId: unknown) => {
      if (typeof meetingId === 'string') this.#tellTeamHere(meetingId);
    });
    this.#serverSide.on('lobby:team', (meetingId: unknown) => {
      if (typeof meetingId === 'string') void this.#tellWaitingHere(meetingId);
    });
    this.#answer('lobby:admit', (meetingId, peerId, by) => {
      const lobby = this.#lobbies.get(meetingId);
      const waiting = lobby?.get(peerId);

      return lobby && waiting ? () => this.#letInHere(lobby, waiting, by) : null;
    });
    this.#answer('lobby:return', (meetingId, peerId, by) => {
      const peer = this.#meetings.meeting(meetingId)?.peer(peerId);

      return peer && !peer.left ? () => this.#sendBackHere(peer, by) : null;
    });
  }

  /**
   * Answers another node's request about a person whose connection may be on this node: null
   * when it is not (`find` found nobody here), else whether `find`'s action succeeded.
   */
  #answer(
    event: 'lobby:admit' | 'lobby:return',
    find: (meetingId: string, peerId: string, by: LetInBy) => (() => Promise<void>) | null,
  ): void {
    this.#serverSide.on(
      event,
      (request: { meetingId?: unknown; peerId?: unknown; by?: LetInBy }, reply: unknown) => {
        if (typeof reply !== 'function') return;

        const answer = reply as (answer: AdmitAnswer) => void;
        const { meetingId, peerId, by } = request;
        const act =
          typeof meetingId === 'string' && typeof peerId === 'string' && by
            ? find(meetingId, peerId, by)
            : null;

        if (!act) {
          answer(null);

          return;
        }
        act().then(
          () => answer({ ok: true }),
          (error: unknown) => {
            if (!(error instanceof AppError)) {
              this.#log.error({ err: error, event }, 'acting for another signalling node failed');
            }
            answer(
              error instanceof AppError
                ? { ok: false, code: error.code, message: error.message }
                : { ok: false, code: 'capacity', message: 'that failed; try again soon' },
            );
          },
        );
      },
    );
  }

  /** Once this node's writes are in Redis, every node tells its team members the new list. */
  #announce(meetingId: string): void {
    void this.#writes.then(() => {
      this.#serverSide.serverSideEmit('lobby:changed', meetingId);
      this.#tellTeamHere(meetingId);
    });
  }

  /** Tells this node's team members in the meeting the shared list, in order. */
  #tellTeamHere(meetingId: string, only?: Peer): void {
    this.#telling = this.#telling.then(async () => {
      const team = (this.#meetings.meeting(meetingId)?.peers() ?? []).filter(
        (p) => isStaff(p.actor.role) && (!only || p === only),
      );

      if (team.length === 0) return;

      const waiting = await this.#sharedList(meetingId);

      // One who came learns the list only when someone waits, as on a single node.
      if (only && waiting.length === 0) return;
      for (const peer of team) peer.socket.emit('lobby:changed', { meetingId, waiting });
    });
  }

  async #sharedList(meetingId: string): Promise<WaitingPerson[]> {
    const shared = await this.#shared!.list(meetingId).catch((error: unknown) => {
      this.#log.warn({ err: error, meetingId }, 'reading the shared waiting room failed');

      return null;
    });

    if (!shared) return this.#lobbies.get(meetingId)?.list() ?? [];

    return shared.map((w) => ({
      peerId: w.peerId,
      personId: w.personId,
      displayName: w.displayName,
      role: w.role,
      organisation: w.organisation,
      waitingSince: w.waitingSince,
    }));
  }

  /** This node's waiting people learn again whether a team member can let them in. */
  async #tellWaitingHere(meetingId: string): Promise<void> {
    const lobby = this.#lobbies.get(meetingId);

    for (const waiting of lobby?.all() ?? []) {
      waiting.socket.emit('lobby:waiting', await this.#statusNow(lobby!, waiting));
    }
  }

  /** Tells the team members in the meeting who is waiting now. */
  #tellTeam(lobby: Lobby): void {
    if (this.#shared) {
      this.#announce(lobby.meetingId);

      return;
    }

    const event = { meetingId: lobby.meetingId, waiting: lobby.list() };

    for (const peer of this.#meetings.meeting(lobby.meetingId)?.peers() ?? []) {
      if (isStaff(peer.actor.role)) peer.socket.emit('lobby:changed', event);
    }
  }

  /**
   * A team member came or went: one who came learns who is waiting, and the people waiting learn
   * whether someone can let them in.
   */
  #onTeamChanged(peer: Peer, hasJoined: boolean): void {
    if (this.#shared) {
      if (!isStaff(peer.actor.role)) return;
      if (hasJoined) this.#tellTeamHere(peer.meeting.id, peer);
      this.#serverSide.serverSideEmit('lobby:team', peer.meeting.id);
      void this.#tellWaitingHere(peer.meeting.id);

      return;
    }

    const lobby = this.#lobbies.get(peer.meeting.id);

    if (!lobby || !isStaff(peer.actor.role)) return;

    if (hasJoined) {
      peer.socket.emit('lobby:changed', { meetingId: lobby.meetingId, waiting: lobby.list() });
    }
    for (const waiting of lobby.all()) {
      waiting.socket.emit('lobby:waiting', this.#status(lobby, waiting));
    }
  }

  /** As #status; in a cluster a team member present on another node counts too. */
  async #statusNow(lobby: Lobby, waiting: Waiting): Promise<LobbyStatus> {
    const status = this.#status(lobby, waiting);

    if (!this.#shared || status.isTeamPresent) return status;

    const elsewhere = await this.#meetings.elsewhere(lobby.meetingId);

    return { ...status, isTeamPresent: elsewhere.some((p) => isStaff(p.actor.role)) };
  }

  #status(lobby: Lobby, waiting: Waiting): LobbyStatus {
    const meeting = this.#meetings.meeting(lobby.meetingId);

    return {
      meetingId: lobby.meetingId,
      peerId: waiting.peerId,
      waitingSince: waiting.since.toISOString(),
      now: new Date().toISOString(),
      isTeamPresent: meeting?.peers().some((p) => isStaff(p.actor.role)) ?? false,
      language: waiting.language,
    };
  }

  #requireTeamMember(peer: Peer): void {
    if (!isStaff(peer.actor.role)) {
      throw new AppError('forbidden', 'only team members let people in or send them back');
    }
  }
}

function isAdmitAnswer(value: unknown): value is AdmitAnswer {
  return value === null || (typeof value === 'object' && value !== null && 'ok' in value);
}

function byOf(member: Peer): LetInBy {
  return {
    peerId: member.id,
    actorId: member.actor.personId,
    actorRole: member.actor.role,
    organisationId: member.actor.organisationId,
  };
}
