import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { MediaNode } from '@teamrom/sfu-server';
import type { Server } from 'socket.io';

import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import { carePlanRepository } from '../careplan/CarePlanRepository.ts';
import type { SharedPeer, SharedRoster, TakenReason } from '../cluster/SharedRoster.ts';
import { resumeKeyHash, SoloRoster } from '../cluster/SharedRoster.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { GatewaySocket } from '../gateway/context.ts';
import { endConnection } from '../gateway/endConnection.ts';
import type { Logger } from '../logger.ts';
import type {
  ClientToServerEvents,
  JoinReply,
  ProducerInfo,
  RtpCapabilities,
  ServerToClientEvents,
} from '../protocol/index.ts';
import { assertMayEnter } from '../scheduling/admission.ts';
import type { Attendance, Stay } from './Attendance.ts';
import { joinReply } from './joinReply.ts';
import { Meeting, meetingRoom } from './Meeting.ts';
import type { ClientSocket } from './Peer.ts';
import { Peer } from './Peer.ts';
import { SpeakerAnnouncer } from './SpeakerAnnouncer.ts';

export type LeaveReason = 'left' | 'disconnected' | 'replaced' | 'media_lost' | 'returned';

/** A person allowed into a meeting, as authorise() found them. */
export interface Entrant {
  actor: Actor;
  meetingId: string;
  patientId: string;
  /** They wait in the waiting room until a team member lets them in. */
  mustWait: boolean;
  /** The patient's preferred language, when the entrant is the patient. */
  language: string | null;
}

export interface MeetingServiceEvents {
  peerjoined: [peer: Peer];
  peerleft: [peer: Peer, reason: LeaveReason];
  /** Another signalling node took the peer over: it goes on there, not here. */
  peermoved: [peer: Peer];
}

/**
 * Owns the meetings held on this signalling node: who is in them, and their rooms on the media
 * node. Joining checks that the person belongs to the patient's care; leaving, for whatever reason,
 * goes through leave(), which closes the peer's media and tells the others.
 */
export class MeetingService {
  readonly #db: Database;
  readonly #media: MediaNode;
  readonly #audit: AuditLog;
  readonly #io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly #log: Logger;
  readonly #attendance: Attendance;
  readonly #hasWaitingRooms: boolean;
  readonly #meetings = new Map<string, Meeting>();
  readonly #opening = new Map<string, Promise<Meeting>>();
  readonly #speakers: SpeakerAnnouncer;
  readonly #roster: SharedRoster;
  /** A peer joined or left a meeting; the waiting room tells the people waiting. */
  readonly events = new EventEmitter<MeetingServiceEvents>();

  constructor(deps: {
    db: Database;
    media: MediaNode;
    audit: AuditLog;
    io: Server<ClientToServerEvents, ServerToClientEvents>;
    log: Logger;
    attendance: Attendance;
    /** False: nobody waits, whatever a meeting says (WAITING_ROOM=off). */
    hasWaitingRooms: boolean;
    /** The participants other signalling nodes hold; SoloRoster (the default) for one node. */
    roster?: SharedRoster;
  }) {
    this.#db = deps.db;
    this.#media = deps.media;
    this.#audit = deps.audit;
    this.#io = deps.io;
    this.#log = deps.log;
    this.#attendance = deps.attendance;
    this.#hasWaitingRooms = deps.hasWaitingRooms;
    this.#speakers = new SpeakerAnnouncer(deps.io);
    this.#roster = deps.roster ?? new SoloRoster();
    this.#roster.events.on('taken', (meetingId, peerId, reason) => {
      const peer = this.#meetings.get(meetingId)?.peer(peerId);

      if (peer) this.#letGo(peer, reason);
    });
    this.#roster.events.on('orphanleft', (shared) => void this.#removeOrphan(shared));
    this.#roster.events.on('republish', () => {
      for (const meeting of this.#meetings.values()) {
        for (const peer of meeting.peers()) this.share(peer);
        for (const personId of meeting.letInPersons()) {
          this.#roster.letIn(meeting.id, personId).catch((error: unknown) => {
            meeting.log.warn({ err: error }, 'sharing a let-in again failed');
          });
        }
      }
    });

    this.#media.events.on('consumerclosed', ({ roomId, peerId, consumerId }) => {
      this.#meetings.get(roomId)?.peer(peerId)?.socket.emit('consumer:closed', { consumerId });
    });
    this.#media.events.on('consumerlayerschange', ({ roomId, peerId, consumerId, layers }) => {
      this.#meetings
        .get(roomId)
        ?.peer(peerId)
        ?.socket.emit('consumer:layers', { consumerId, layers });
    });
    this.#media.events.on('activespeaker', ({ roomId, peerId }) => {
      const meeting = this.#meetings.get(roomId);

      if (meeting) this.#speakers.announce(meeting, peerId);
    });
    this.#media.events.on('producerclosed', ({ roomId, peerId, producerId }) => {
      const meeting = this.#meetings.get(roomId);
      const peer = meeting?.peer(peerId);

      // Once per producer: its owner may have closed it at the same moment.
      if (!meeting || !peer?.producers.delete(producerId)) return;

      this.share(peer);
      // The owner too: its client still holds a producer that sends nowhere.
      this.#io.to(meeting.room).emit('producer:closed', { producerId, peerId });
      peer.log.warn({ producerId }, 'producer closed with its transport');
    });
    this.#media.events.on('roomclosed', ({ roomId, reason }) => {
      const meeting = this.#meetings.get(roomId);

      if (meeting) void this.#recoverMedia(meeting, reason);
    });
  }

  /**
   * The meeting's media went with its worker or node, or the room was closed under people still in
   * it (another signalling node saw the meeting empty as someone joined here). The people stay in
   * the meeting: the room is opened again on a live worker and every client is told to set up its
   * media anew.
   */
  async #recoverMedia(meeting: Meeting, reason: string): Promise<void> {
    if (meeting.size === 0) return;

    meeting.log.error({ reason, peers: meeting.size }, 'meeting lost its media; recovering');

    for (const peer of meeting.peers()) {
      peer.producers.clear();
      peer.transports.clear();
      this.share(peer);
    }

    try {
      const { rtpCapabilities } = await this.#media.openRoom(meeting.id);

      if (this.#meetings.get(meeting.id) !== meeting) return;

      // Every node holding participants of the meeting recovers its own: one reset each.
      const ownPeers = this.#roster.isShared ? this.#io.local : this.#io;

      ownPeers.to(meeting.room).emit('media:reset', {
        routerRtpCapabilities: rtpCapabilities as RtpCapabilities,
      });
      meeting.log.info('meeting media recovered on a live worker');
    } catch (error) {
      meeting.log.error({ err: error }, 'meeting media could not be recovered');
      for (const peer of meeting.peers()) {
        peer.socket.emit('meeting:ended', { reason: 'closed' });
        void this.leave(peer, 'media_lost');
      }
    }
  }

  /**
   * This node stops and leaves its participants to the other nodes of the cluster: they are
   * forgotten here without a leave (no `peer:left`, no removal from the shared roster), so that
   * another node takes each over when its client comes back there.
   */
  handOver(): void {
    for (const meeting of this.#meetings.values()) {
      for (const peer of meeting.peers()) {
        peer.markLeft();
        meeting.remove(peer.id);
      }
    }
    this.#meetings.clear();
  }

  /** Whether other signalling nodes serve the same meetings (a cluster). */
  get isShared(): boolean {
    return this.#roster.isShared;
  }

  get meetingCount(): number {
    return this.#meetings.size;
  }

  get participantCount(): number {
    let count = 0;

    for (const meeting of this.#meetings.values()) count += meeting.size;

    return count;
  }

  meeting(meetingId: string): Meeting | undefined {
    return this.#meetings.get(meetingId);
  }

  all(): Meeting[] {
    return [...this.#meetings.values()];
  }

  /**
   * Joins someone who need not wait. Those who must wait are refused here and come in through
   * the waiting room (`meeting:enter`).
   */
  async join(
    socket: ClientSocket,
    token: Caller,
    meetingId: string,
  ): Promise<{ peer: Peer; meeting: Meeting; reply: JoinReply }> {
    const entrant = await this.authorise(token, meetingId);

    if (entrant.mustWait) {
      throw new AppError(
        'forbidden',
        'this meeting has a waiting room: enter it with meeting:enter',
        { waitingRoom: true },
      );
    }

    return this.enter(socket, entrant);
  }

  /**
   * Checks that the person belongs to the patient's care and that their link is for this
   * meeting, auditing a refusal, and says whether they must wait to be let in.
   */
  async authorise(token: Caller, meetingId: string): Promise<Entrant> {
    const [row] = await this.#db.query<{
      patient_id: string;
      waiting_room: boolean;
      preferred_language: string | null;
    }>(
      `select m.patient_id, m.waiting_room, pt.preferred_language
         from meetings m join patients pt on pt.id = m.patient_id
        where m.id = $1`,
      [meetingId],
    );

    if (!row) throw new AppError('not_found', 'no such meeting');

    const refused = async (error: AppError) => {
      await this.#audit.record({
        actorId: token.sub,
        actorRole: null,
        organisationId: null,
        patientId: row.patient_id,
        meetingId,
        action: 'meeting.join',
        outcome: 'denied',
      });

      return error;
    };

    if (token.meetingId !== undefined && token.meetingId !== meetingId) {
      throw await refused(new AppError('forbidden', 'this link is for another meeting'));
    }

    let actor;

    try {
      actor = await new CareTeamAccess(this.#db).actorFor(token.sub, row.patient_id);
      // A scheduled meeting: cancelled, or the patient's side outside its time, lets nobody in.
      await assertMayEnter(this.#db, actor, meetingId);
    } catch (error) {
      throw error instanceof AppError ? await refused(error) : error;
    }

    const mustWait =
      this.#hasWaitingRooms &&
      row.waiting_room &&
      !isStaff(actor.role) &&
      !this.#meetings.get(meetingId)?.hasLetIn(actor.personId) &&
      // Let in through another signalling node of a cluster; unknown while Redis is away.
      !(await this.#roster.wasLetIn(meetingId, actor.personId).catch(() => false));

    return {
      actor,
      meetingId,
      patientId: row.patient_id,
      mustWait,
      language: actor.role === 'patient' ? row.preferred_language : null,
    };
  }

  /**
   * Puts an authorised person into the meeting with its media room, as the peer `peerId` (the
   * waiting room keeps the id a person had while waiting), and tells the others.
   */
  async enter(
    socket: ClientSocket,
    entrant: Entrant,
    peerId: string = randomUUID(),
  ): Promise<{ peer: Peer; meeting: Meeting; reply: JoinReply }> {
    const { actor, meetingId, patientId } = entrant;
    // One connection per person: a newer one (a reload, a second tab) replaces the older.
    const previous = this.#meetings.get(meetingId)?.peerOfPerson(actor.personId);

    if (previous) {
      previous.socket.emit('meeting:ended', { reason: 'replaced' });
      await this.leave(previous, 'replaced');
    }
    for (const elsewhere of await this.#elsewhereOf(meetingId, actor.personId)) {
      if (await this.#roster.evict(elsewhere)) await this.#removeOrphan(elsewhere, 'replaced');
    }

    const { peer, rtpCapabilities } = await this.#admit(meetingId, patientId, (meeting) => {
      if (!socket.connected) throw new AppError('not_in_meeting', 'the connection closed');

      const admitted = new Peer(peerId, actor, socket, meeting);

      meeting.add(admitted);

      return admitted;
    });
    const meeting = peer.meeting;

    await this.#shareNow(peer);

    const reply = joinReply(peer, rtpCapabilities, await this.elsewhere(meetingId));

    await socket.join(meeting.room);
    socket.to(meeting.room).emit('peer:joined', peer.info());
    await this.#audit.record({
      actorId: actor.personId,
      actorRole: actor.role,
      organisationId: actor.organisationId,
      patientId: meeting.patientId,
      meetingId,
      action: 'meeting.join',
      outcome: 'success',
    });
    await this.#attendance
      .joined(peer)
      .catch((error: unknown) => peer.log.error({ err: error }, 'recording attendance failed'));
    peer.log.info({ role: actor.role, peers: meeting.size }, 'peer joined');
    this.events.emit('peerjoined', peer);

    return { peer, meeting, reply };
  }

  /**
   * Opens the meeting and its media room and runs `admit` in the same turn as the check that the
   * meeting is still the live one. A last person leaving meanwhile closes the meeting and its room;
   * then both are opened again, so that nobody is added to a meeting that is gone.
   */
  async #admit(
    meetingId: string,
    patientId: string,
    admit: (meeting: Meeting) => Peer,
  ): Promise<{ peer: Peer; rtpCapabilities: unknown }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const meeting = await this.#open(meetingId, patientId);
      const { rtpCapabilities } = await this.#media.openRoom(meetingId);

      if (this.#meetings.get(meetingId) === meeting)
        return { peer: admit(meeting), rtpCapabilities };
    }

    throw new AppError('internal', 'the meeting kept closing while joining');
  }

  /** Removes the peer with all of its media; safe to call more than once. */
  async leave(peer: Peer, reason: LeaveReason): Promise<void> {
    if (peer.left) return;

    peer.markLeft();

    const meeting = peer.meeting;

    meeting.remove(peer.id);
    void peer.socket.leave(meeting.room);
    this.#io.to(meeting.room).emit('peer:left', { peerId: peer.id });
    await this.#media
      .closePeer({ roomId: meeting.id, peerId: peer.id })
      .catch((error: unknown) => peer.log.warn({ err: error }, 'closing media of a peer failed'));
    peer.log.info({ reason, peers: meeting.size }, 'peer left');
    await this.#audit
      .record({
        actorId: peer.actor.personId,
        actorRole: peer.actor.role,
        organisationId: peer.actor.organisationId,
        patientId: meeting.patientId,
        meetingId: meeting.id,
        action: 'meeting.leave',
        outcome: 'success',
      })
      .catch((error: unknown) => peer.log.error({ err: error }, 'auditing a leave failed'));
    await this.#attendance
      .left(peer, reason)
      .catch((error: unknown) => peer.log.error({ err: error }, 'recording a leave failed'));
    this.events.emit('peerleft', peer, reason);

    const isEmptyEverywhere = await this.#roster
      .remove(meeting.id, peer.id)
      .catch((error: unknown) => {
        peer.log.warn({ err: error }, 'removing a peer from the shared roster failed');

        return false;
      });

    this.#forgetIfEmpty(meeting);
    if (meeting.size === 0 && isEmptyEverywhere) {
      await this.#media.closeRoom(meeting.id).catch(() => {});
      meeting.log.info('meeting emptied');
    } else if (meeting.size === 0) {
      // Other nodes' participants still use the room; this node has nobody left in it.
      this.#media.releaseRoom(meeting.id);
    }
  }

  #forgetIfEmpty(meeting: Meeting): void {
    if (meeting.size === 0 && this.#meetings.get(meeting.id) === meeting) {
      this.#meetings.delete(meeting.id);
    }
  }

  /** The meeting's participants held by other signalling nodes; none for a single node. */
  async elsewhere(meetingId: string): Promise<SharedPeer[]> {
    if (!this.#roster.isShared) return [];

    return this.#roster.others(meetingId).catch((error: unknown) => {
      this.#log.warn({ err: error, meetingId }, 'reading the shared roster failed');

      return [];
    });
  }

  async #elsewhereOf(meetingId: string, personId: string): Promise<SharedPeer[]> {
    return (await this.elsewhere(meetingId)).filter((p) => p.actor.personId === personId);
  }

  /** A team member let the person in: every node lets them straight back in until the meeting empties. */
  rememberLetIn(meeting: Meeting, personId: string): void {
    meeting.letIn(personId);
    this.#roster.letIn(meeting.id, personId).catch((error: unknown) => {
      meeting.log.warn({ err: error }, 'sharing a let-in with the other nodes failed');
    });
  }

  /** The person was sent back: from now on they wait again, on every node. */
  async forgetLetIn(meeting: Meeting, personId: string): Promise<void> {
    meeting.sendBack(personId);
    await this.#roster.sendBack(meeting.id, personId).catch((error: unknown) => {
      meeting.log.warn({ err: error }, 'sharing a send-back with the other nodes failed');
    });
  }

  /**
   * Writes the peer's record for the other nodes (after it joined, or its producers or resume key
   * changed). While Redis is away this fails and is logged; the record is written again when Redis
   * is back (the roster's `republish`).
   */
  share(peer: Peer): void {
    void this.#shareNow(peer);
  }

  async #shareNow(peer: Peer): Promise<void> {
    if (!this.#roster.isShared || peer.left) return;

    try {
      const isOurs = await this.#roster.put(this.#sharedOf(peer));

      // Resumed or replaced on another node meanwhile (its message may have been lost).
      if (!isOurs) this.#letGo(peer, 'moved');
    } catch (error) {
      peer.log.warn({ err: error }, 'writing a peer to the shared roster failed');
    }
  }

  #sharedOf(peer: Peer): SharedPeer {
    return {
      peerId: peer.id,
      meetingId: peer.meeting.id,
      nodeId: this.#roster.nodeId,
      actor: peer.actor,
      joinedAt: peer.joinedAt,
      producers: [...peer.producers.values()],
      resumeKeyHash: resumeKeyHash(peer.resumeKey),
    };
  }

  /**
   * Takes over a participant another signalling node held, typically one that died: same peer id,
   * same producers (its media lives on the media node, untouched). Null when another node was
   * quicker, or the participant is gone. The caller has checked the person and their key.
   */
  async adopt(socket: ClientSocket, shared: SharedPeer, reason: TakenReason): Promise<Peer | null> {
    const { peer } = await this.#admit(shared.meetingId, shared.actor.patientId, (meeting) => {
      const adopted = new Peer(shared.peerId, shared.actor, socket, meeting, shared.joinedAt);

      for (const producer of shared.producers) adopted.producers.set(producer.producerId, producer);
      meeting.add(adopted);

      return adopted;
    });

    if (
      !(await this.#roster.claim(this.#sharedOf(peer), shared.nodeId, reason).catch(() => false))
    ) {
      peer.meeting.remove(peer.id);
      peer.markLeft();
      this.#forgetIfEmpty(peer.meeting);

      return null;
    }

    const state = await this.#media
      .describePeer({ roomId: shared.meetingId, peerId: peer.id })
      .catch(() => ({ transports: [] as { transportId: string }[] }));

    for (const transport of state.transports) peer.transports.add(transport.transportId);
    peer.log.info({ fromNode: shared.nodeId, reason }, 'peer taken over from another node');

    return peer;
  }

  /**
   * The owner of a producer in the meeting: a peer here, or the id of a participant elsewhere.
   */
  async ownerOfProducer(meeting: Meeting, producerId: string): Promise<Peer | string | undefined> {
    const local = meeting.ownerOfProducer(producerId);

    if (local) return local;

    return (await this.elsewhere(meeting.id)).find((p) =>
      p.producers.some((producer) => producer.producerId === producerId),
    )?.peerId;
  }

  /**
   * What the others in the peer's meeting send right now, here and on other signalling nodes. Only
   * producers the meeting's media room holds: after the room was opened anew (its media node or
   * worker died), a participant whose node has not recovered yet may still list producers that
   * went with the old room, and those are never offered.
   */
  async currentProducers(peer: Peer): Promise<ProducerInfo[]> {
    const meeting = peer.meeting;
    const owners = [
      ...meeting.peers().filter((p) => p !== peer),
      ...(await this.elsewhere(meeting.id)).filter((p) => p.peerId !== peer.id),
    ].map((p) => ({ peerId: 'id' in p ? p.id : p.peerId, producers: [...p.producers.values()] }));
    const lists = await Promise.all(
      owners.map(async ({ peerId, producers }) => {
        if (producers.length === 0) return [];

        const held = await this.#media
          .describePeer({ roomId: meeting.id, peerId })
          .then((state) => new Set(state.producers.map((p) => p.producerId)))
          // Not known now: what it sends is announced when it sends again.
          .catch(() => new Set<string>());

        return producers.filter((p) => held.has(p.producerId));
      }),
    );

    return lists.flat();
  }

  /**
   * Another node took the peer over (resumed there) or replaced it (the person joined again
   * there): it goes from this node without a leave, and a connection still open here is closed.
   */
  #letGo(peer: Peer, reason: TakenReason): void {
    if (peer.left) return;

    const socket = peer.socket as GatewaySocket;

    peer.markLeft();
    peer.meeting.remove(peer.id);
    this.#forgetIfEmpty(peer.meeting);
    if (socket.data.peer === peer) socket.data.peer = null;
    void socket.leave(peer.meeting.room);
    if (socket.connected) endConnection(socket, 'replaced');
    peer.log.info({ reason }, 'peer went on on another signalling node');
    this.events.emit('peermoved', peer);
  }

  /**
   * A participant that is no longer anywhere: its node died and its client did not come back in
   * time, or the person joined again. This node, whose removal from Redis succeeded, tells the
   * meeting and closes the participant's media.
   */
  async #removeOrphan(shared: SharedPeer, reason: LeaveReason = 'disconnected'): Promise<void> {
    const stay: Stay = {
      id: shared.peerId,
      joinedAt: shared.joinedAt,
      actor: shared.actor,
      meeting: { id: shared.meetingId },
    };
    const log = this.#log.child({ meetingId: shared.meetingId, peerId: shared.peerId });

    this.#io.to(meetingRoom(shared.meetingId)).emit('peer:left', { peerId: shared.peerId });
    await this.#media
      .closePeer({ roomId: shared.meetingId, peerId: shared.peerId })
      .catch((error: unknown) => log.warn({ err: error }, 'closing media of a peer failed'));
    await this.#audit
      .record({
        actorId: shared.actor.personId,
        actorRole: shared.actor.role,
        organisationId: shared.actor.organisationId,
        patientId: shared.actor.patientId,
        meetingId: shared.meetingId,
        action: 'meeting.leave',
        outcome: 'success',
      })
      .catch((error: unknown) => log.error({ err: error }, 'auditing a leave failed'));
    await this.#attendance
      .left(stay, reason)
      .catch((error: unknown) => log.error({ err: error }, 'recording a leave failed'));
    log.info({ reason }, 'peer of another node left');
    if (
      reason === 'disconnected' &&
      !this.#meetings.has(shared.meetingId) &&
      (await this.elsewhere(shared.meetingId)).length === 0
    ) {
      await this.#media.closeRoom(shared.meetingId).catch(() => {});
    }
  }

  async #open(meetingId: string, patientId: string): Promise<Meeting> {
    const existing = this.#meetings.get(meetingId);

    if (existing) return existing;

    let opening = this.#opening.get(meetingId);

    if (!opening) {
      opening = carePlanRepository
        .planIdOf(this.#db, patientId)
        .then((planId) => {
          const meeting = new Meeting(meetingId, patientId, planId, this.#log.child({ meetingId }));

          this.#meetings.set(meetingId, meeting);

          return meeting;
        })
        .finally(() => this.#opening.delete(meetingId));
      this.#opening.set(meetingId, opening);
    }

    return opening;
  }
}
