import type { MediaNode } from '@teamrom/sfu-server';

import type { AuditLog } from '../audit/AuditLog.ts';
import type { PeerRef } from '../cluster/SignalingCluster.ts';
import type { SharedPeer } from '../cluster/SharedRoster.ts';
import { matchesResumeKey } from '../cluster/SharedRoster.ts';
import { AppError } from '../errors.ts';
import type { GatewaySocket } from '../gateway/context.ts';
import { endConnection } from '../gateway/endConnection.ts';
import type { Logger } from '../logger.ts';
import type { MediaState, ParsedRequest, ResumeReply } from '../protocol/index.ts';
import { joinReply } from './joinReply.ts';
import { meetingRoom } from './Meeting.ts';
import type { MeetingService } from './MeetingService.ts';
import { Peer } from './Peer.ts';

// LIMITATION: held peers live in this signalling node's memory; a restart of a single node brings
// the person back as a new participant. In a cluster (MEDIA_MODE=cluster) another node takes the
// participant over from the shared roster by its resume key, or by a recovered session.
/**
 * Keeps a peer whose connection dropped, media and all, for a grace period, and lets the same
 * person take it back on a new connection: Socket.io's own recovery of the connection, or the
 * resume key on a new one. The others see nothing of a short drop; a peer not back in time leaves
 * as one whose connection closed.
 */
export class Resumption {
  readonly #meetings: MeetingService;
  readonly #media: MediaNode;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #held = new Map<Peer, NodeJS.Timeout>();
  /** Recovered connections whose participant was gone from the whole cluster (recoverShared). */
  readonly #lost = new WeakSet<GatewaySocket>();

  constructor(deps: {
    meetings: MeetingService;
    media: MediaNode;
    audit: AuditLog;
    log: Logger;
    graceMs: number;
  }) {
    this.#meetings = deps.meetings;
    this.#media = deps.media;
    this.#audit = deps.audit;
    this.#log = deps.log;
    this.#graceMs = deps.graceMs;

    this.#meetings.events.on('peerleft', (peer) => this.#release(peer));
    this.#meetings.events.on('peermoved', (peer) => this.#release(peer));
  }

  get graceMs(): number {
    return this.#graceMs;
  }

  isHeld(peer: Peer): boolean {
    return this.#held.has(peer);
  }

  /** The peer's connection dropped: it stays until the grace period is over. */
  hold(peer: Peer): void {
    if (peer.left || this.#held.has(peer)) return;

    const timer = setTimeout(() => {
      this.#held.delete(peer);
      peer.log.info('not back within the grace period');
      this.#meetings.leave(peer, 'disconnected').catch((error: unknown) => {
        peer.log.error({ err: error }, 'removing a peer that did not come back failed');
      });
    }, this.#graceMs);

    timer.unref();
    this.#held.set(peer, timer);
    peer.log.info({ graceMs: this.#graceMs }, 'connection lost; holding the peer');
  }

  /**
   * Socket.io restored a dropped connection with its state (`socket.recovered`): the peer carries
   * on through it, and the events it missed have been replayed. A peer that left meanwhile is
   * not brought back: the client is told the meeting ended for it and joins again.
   */
  reattach(socket: GatewaySocket): void {
    const peer = socket.data.peer;

    if (this.#lost.has(socket)) {
      this.#lost.delete(socket);
      socket.emit('meeting:ended', { reason: 'removed' });

      return;
    }

    if (!peer) return;

    if (peer.left) {
      socket.data.peer = null;
      void socket.leave(peer.meeting.room);
      socket.emit('meeting:ended', { reason: 'removed' });

      return;
    }

    this.#release(peer);
    peer.reattach(socket);
    peer.log.info('connection recovered');
  }

  /**
   * Takes a held (or not yet missed) peer back on a new connection, for the person whose key it
   * is, after checking again that they may be in the meeting.
   */
  async resume(
    socket: GatewaySocket,
    request: ParsedRequest<'meeting:resume'>,
  ): Promise<ResumeReply> {
    const token = socket.data.token;
    const local = this.#meetings
      .meeting(request.meetingId)
      ?.peers()
      .find((p) => p.hasResumeKey(request.resumeKey));
    // Held by another signalling node, perhaps one that died: the shared record has the key's hash.
    const elsewhere = local
      ? undefined
      : (await this.#meetings.elsewhere(request.meetingId)).find((p) =>
          matchesResumeKey(p, request.resumeKey),
        );
    const nothingToResume = new AppError('not_found', 'nothing to resume: join the meeting again');
    const found = local ?? elsewhere;

    if (!found) throw nothingToResume;

    const owner = found.actor;
    const peerId = found instanceof Peer ? found.id : found.peerId;

    if (owner.personId !== token.sub) {
      // Someone else's key: as unknown to them as a wrong one, but written down.
      this.#log.warn({ meetingId: request.meetingId, peerId }, 'resume key of another person');
      await this.#audit.record({
        actorId: token.sub,
        actorRole: null,
        organisationId: null,
        patientId: owner.patientId,
        meetingId: request.meetingId,
        action: 'meeting.join',
        outcome: 'denied',
      });
      throw nothingToResume;
    }

    // Membership, consent or the link's time may have changed while they were away.
    await this.#meetings.authorise(token, request.meetingId);

    const peer = local ?? (elsewhere && (await this.#meetings.adopt(socket, elsewhere, 'moved')));

    if (!peer || peer.left) throw nothingToResume;

    const meeting = peer.meeting;

    this.#takeOver(peer, socket);
    await socket.join(meeting.room);
    if (!request.keepMedia) await this.#dropMedia(peer, socket);

    const others = await this.#meetings.elsewhere(meeting.id);
    // The room first: its media may have moved to another node while the person was away.
    const { rtpCapabilities } = await this.#media.openRoom(meeting.id);
    const media = await this.#mediaState(peer, others);

    peer.log.info({ keepMedia: request.keepMedia, fromNode: elsewhere?.nodeId }, 'peer resumed');

    return { ...joinReply(peer, rtpCapabilities, others), media };
  }

  /**
   * In a cluster a recovered session holds only a reference to its participant (see
   * SignalingCluster): the participant is found here, or taken over from the node that held it
   * (the client was away and came back through another node). False when it is gone; the
   * connection is then told that the meeting ended for it, as for a peer that left meanwhile.
   */
  async recoverShared(socket: GatewaySocket): Promise<boolean> {
    const ref = socket.data.peer as unknown as PeerRef | Peer | null;

    if (!ref || ref instanceof Peer) return true;

    socket.data.peer = null;

    const local = this.#meetings.meeting(ref.meetingId)?.peer(ref.peerId);

    if (local && !local.left) {
      socket.data.peer = local;

      return true;
    }

    const shared: SharedPeer | undefined = (await this.#meetings.elsewhere(ref.meetingId)).find(
      (p) => p.peerId === ref.peerId && p.actor.personId === socket.data.token.sub,
    );
    const adopted = shared && (await this.#meetings.adopt(socket, shared, 'moved'));

    if (!adopted) {
      this.#lost.add(socket);
      void socket.leave(meetingRoom(ref.meetingId));

      return false;
    }

    socket.data.peer = adopted;
    adopted.renewResumeKey();
    this.#meetings.share(adopted);

    return true;
  }

  close(): void {
    for (const timer of this.#held.values()) clearTimeout(timer);
    this.#held.clear();
  }

  #release(peer: Peer): void {
    clearTimeout(this.#held.get(peer));
    this.#held.delete(peer);
  }

  /** Moves the peer to the new connection; an older one still open is closed without a leave. */
  #takeOver(peer: Peer, socket: GatewaySocket): void {
    const previous = peer.socket as GatewaySocket;

    this.#release(peer);
    if (previous !== socket) {
      previous.data.peer = null;
      void previous.leave(peer.meeting.room);
      if (previous.connected) endConnection(previous, 'replaced');
    }
    peer.reattach(socket);
    peer.renewResumeKey();
    socket.data.peer = peer;
    this.#meetings.share(peer);
  }

  /** A client that lost its media (a reloaded page) starts it afresh; the others drop theirs. */
  async #dropMedia(peer: Peer, socket: GatewaySocket): Promise<void> {
    await this.#media
      .closePeer({ roomId: peer.meeting.id, peerId: peer.id })
      .catch((error: unknown) => peer.log.warn({ err: error }, 'closing media of a peer failed'));
    for (const producerId of peer.producers.keys()) {
      socket.to(peer.meeting.room).emit('producer:closed', { producerId, peerId: peer.id });
    }
    peer.producers.clear();
    peer.transports.clear();
    this.#meetings.share(peer);
  }

  async #mediaState(peer: Peer, elsewhere: readonly SharedPeer[]): Promise<MediaState> {
    const state = await this.#media
      .describePeer({ roomId: peer.meeting.id, peerId: peer.id })
      .catch(() => null);

    if (!state) return { transports: [], consumers: [] };

    // What the participant sent went with a media node that died while another signalling node
    // held them (that node, not this one, was told): forgotten, so that the client sends anew.
    const live = new Set(state.producers.map((p) => p.producerId));
    const lost = [...peer.producers.keys()].filter((id) => !live.has(id));

    for (const producerId of lost) peer.producers.delete(producerId);
    if (lost.length > 0) this.#meetings.share(peer);

    return {
      transports: state.transports.flatMap((t) =>
        t.direction === 'plain'
          ? []
          : [
              {
                transportId: t.transportId,
                direction: t.direction,
                iceState: t.iceState ?? 'new',
                dtlsState: t.dtlsState ?? 'new',
              },
            ],
      ),
      consumers: state.consumers.flatMap((c) => {
        const ownerId =
          peer.meeting.ownerOfProducer(c.producerId)?.id ??
          elsewhere.find((p) => p.producers.some((pr) => pr.producerId === c.producerId))?.peerId;

        return ownerId
          ? [
              {
                consumerId: c.consumerId,
                producerId: c.producerId,
                peerId: ownerId,
                paused: c.paused,
              },
            ]
          : [];
      }),
    };
  }
}
