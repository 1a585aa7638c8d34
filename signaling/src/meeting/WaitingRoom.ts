import { randomUUID } from 'node:crypto';

import { isStaff } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog } from '../audit/AuditLog.ts';
import { AppError } from '../errors.ts';
import type { GatewayServer, GatewaySocket } from '../gateway/context.ts';
import type { Logger } from '../logger.ts';
import type { EnterReply, LobbyStatus } from '../protocol/index.ts';
import type { Waiting } from './Lobby.ts';
import { Lobby } from './Lobby.ts';
import type { MeetingService } from './MeetingService.ts';
import type { Peer } from './Peer.ts';

export type Entered =
  { status: 'joined'; peer: Peer; reply: EnterReply } | { status: 'waiting'; reply: EnterReply };

// LIMITATION: waiting rooms live in this node's memory. In a cluster (MEDIA_MODE=cluster) a person
// waiting on one signalling node is seen, and let in or sent back, only by team members connected
// to the same node; who was let in is remembered on that node only, so a let-in person whose
// reconnect lands on another node waits again; and "is a team member present" counts only this
// node's participants. Until lobbies move to Redis, a cluster is for meetings without a waiting
// room (WAITING_ROOM=off, or meetings made without one).
/**
 * The waiting rooms of the meetings on this node. Patients, relatives and interpreters wait here
 * until a team member in the meeting lets them in, one at a time; a team member can send them
 * back. A waiting room holds people also while no team member is in the meeting.
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

  constructor(deps: { io: GatewayServer; meetings: MeetingService; audit: AuditLog; log: Logger }) {
    this.#io = deps.io;
    this.#meetings = deps.meetings;
    this.#audit = deps.audit;
    this.#log = deps.log;

    this.#meetings.events.on('peerjoined', (peer) => this.#onTeamChanged(peer, true));
    this.#meetings.events.on('peerleft', (peer) => this.#onTeamChanged(peer, false));
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

    return { status: 'waiting', reply: { status: 'waiting', ...this.#status(lobby, waiting) } };
  }

  status(socket: GatewaySocket): LobbyStatus {
    const lobby = this.#lobbyOfSocket.get(socket);
    const waiting = lobby?.ofSocket(socket);

    if (!lobby || !waiting) throw new AppError('not_in_meeting', 'you are not waiting to come in');

    return this.#status(lobby, waiting);
  }

  /** A team member in the meeting lets one waiting person in. */
  async admit(member: Peer, peerId: string): Promise<void> {
    this.#requireTeamMember(member);

    const meeting = member.meeting;
    const lobby = this.#lobbies.get(meeting.id);
    const waiting = lobby?.get(peerId);

    if (!lobby || !waiting) throw new AppError('not_found', 'nobody with that id is waiting');
    if (this.#held.has(waiting)) {
      throw new AppError('not_found', 'their connection is down for a moment; try again soon');
    }

    const { socket } = waiting;

    this.#remove(lobby, waiting);
    // No second entry on this connection while it is being let in.
    socket.data.isJoining = true;

    try {
      // Checked again: consent or membership may have changed while they waited.
      const entrant = await this.#meetings
        .authorise(socket.data.token, meeting.id)
        .catch((error: unknown) => {
          if (!(error instanceof AppError)) throw error;

          socket.emit('meeting:ended', { reason: 'removed' });
          throw new AppError('not_found', 'that person may no longer join this meeting');
        });

      meeting.letIn(entrant.actor.personId);

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

      socket.data.peer = peer;
      socket.emit('lobby:admitted', reply);
      await this.#record(member, 'meeting.admit');
      peer.log.info({ by: member.id }, 'let in from the waiting room');
    } finally {
      socket.data.isJoining = false;
    }
  }

  /**
   * A team member sends a patient, relative or interpreter back to the waiting room: they leave
   * the meeting with all of their media, and wait again on the same connection.
   */
  async sendBack(member: Peer, peerId: string): Promise<void> {
    this.#requireTeamMember(member);

    const meeting = member.meeting;
    const peer = meeting.peer(peerId);

    if (!peer) throw new AppError('not_found', 'nobody with that id is in the meeting');
    if (isStaff(peer.actor.role)) {
      throw new AppError('invalid_request', 'team members are not sent to the waiting room');
    }

    meeting.sendBack(peer.actor.personId);
    await this.#meetings.leave(peer, 'returned');
    await this.#record(member, 'meeting.return');
    peer.log.info({ by: member.id }, 'sent back to the waiting room');

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
    socket.emit('lobby:returned', this.#status(lobby, waiting));
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
  }

  /** Tells the team members in the meeting who is waiting now. */
  #tellTeam(lobby: Lobby): void {
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
    const lobby = this.#lobbies.get(peer.meeting.id);

    if (!lobby || !isStaff(peer.actor.role)) return;

    if (hasJoined) {
      peer.socket.emit('lobby:changed', { meetingId: lobby.meetingId, waiting: lobby.list() });
    }
    for (const waiting of lobby.all()) {
      waiting.socket.emit('lobby:waiting', this.#status(lobby, waiting));
    }
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

  async #record(member: Peer, action: AuditAction): Promise<void> {
    await this.#audit.record({
      actorId: member.actor.personId,
      actorRole: member.actor.role,
      organisationId: member.actor.organisationId,
      patientId: member.meeting.patientId,
      meetingId: member.meeting.id,
      action,
      outcome: 'success',
    });
  }
}
