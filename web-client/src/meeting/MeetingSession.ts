import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

import type {
  ClientToServerEvents,
  JoinReply,
  LobbyStatus,
  PeerInfo,
  ProducerInfo,
  ResumeReply,
  RtpCapabilities,
  ServerToClientEvents,
  WaitingPerson,
} from '@teamrom/signaling/protocol';

import type { AccessToken } from '../lib/AccessToken.ts';
import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import { ConnectionToken } from './ConnectionToken.ts';
import { ConsumerControl } from './ConsumerControl.ts';
import { fetchIceServers, keepIceServersFresh } from './iceServers.ts';
import { QualityState } from './QualityState.ts';
import { ScreenShare } from './ScreenShare.ts';

/** A transport that has not connected this long is reported to the user and retried. */
export const TRANSPORT_CONNECT_TIMEOUT_MS = 15_000;

/**
 * A media connection that stays `disconnected` this long is restarted with an ICE restart; one
 * that `failed` is restarted at once. Short enough for video to come back within seconds of the
 * network, long enough not to restart over a blip that ICE gets over by itself.
 */
const ICE_DISCONNECTED_GRACE_MS = 1500;

/** Where this tab keeps the resume key of a meeting (see `meeting:resume`). */
const RESUME_KEY_PREFIX = 'teamrom.resumeKey.';

/** Waits before trying a failed join again: doubling from the first to the last. */
const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 15_000;

export type SessionStatus =
  'connecting' | 'waiting' | 'joined' | 'reconnecting' | 'left' | 'ended' | 'failed';

export interface RemoteParticipant {
  peerId: string;
  displayName: string;
  role: PeerInfo['role'];
  organisation: string | null;
  videoTrack: MediaStreamTrack | null;
  audioTrack: MediaStreamTrack | null;
  isVideoPaused: boolean;
  isAudioPaused: boolean;
  /** The consumer of `videoTrack`, whose layers the tile showing it chooses. */
  videoConsumerId: string | null;
  /** A shared screen, shown as a tile of its own. */
  screenTrack: MediaStreamTrack | null;
  screenConsumerId: string | null;
}

export interface SessionState {
  status: SessionStatus;
  /** Why the session failed or ended, as an i18n key under `errors.` or `ended.`. */
  reason: string | null;
  self: PeerInfo | null;
  carePlanId: string | null;
  localStream: MediaStream | null;
  /** Set when camera or microphone could not be opened; the meeting goes on without them. */
  deviceProblem: 'denied' | 'missing' | null;
  isMicOn: boolean;
  isCameraOn: boolean;
  /** True while a media connection is slower to connect than it should be. */
  isMediaSlow: boolean;
  participants: RemoteParticipant[];
  /** While this person waits to be let in: since when, and whether the team is there. */
  lobby: LobbyStatus | null;
  /** Whether a team member sent this person back to wait after they had been let in. */
  wasSentBack: boolean;
  /** For team members in the meeting: who waits to be let in, longest waiting first. */
  waiting: WaitingPerson[];
}

export type TeamromSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Three VP8 layers: a thumbnail, a tile, and full size. */
const CAMERA_ENCODINGS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * One person's presence in one meeting: the signalling connection, the mediasoup device, the two
 * transports, what this person sends and what they receive. It lives outside React; components
 * read `state` and call the methods.
 */
export class MeetingSession {
  readonly state = new Store<SessionState>({
    status: 'connecting',
    reason: null,
    self: null,
    carePlanId: null,
    localStream: null,
    deviceProblem: null,
    isMicOn: true,
    isCameraOn: true,
    isMediaSlow: false,
    participants: [],
    lobby: null,
    wasSentBack: false,
    waiting: [],
  });
  readonly socket: TeamromSocket;
  /** This tab's access token, renewed while the session lasts; also for HTTP calls. */
  readonly token: AccessToken;
  readonly #meetingId: string;
  readonly #connectionToken: ConnectionToken;
  #device: Device | null = null;
  #sendTransport: types.Transport | null = null;
  #recvTransport: types.Transport | null = null;
  readonly #producers = new Map<'microphone' | 'camera', types.Producer>();
  /** Every remote producer announced and not closed, in the join reply or in a notice since. */
  readonly #announced = new Map<string, ProducerInfo>();
  /** Producer ids being consumed or about to be; a producer announced twice is consumed once. */
  readonly #consumedProducers = new Set<string>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** Consumers the server closed before this client had finished setting them up. */
  readonly #closedEarly = new Set<string>();
  /** Producers closed since media was last set up: a list asked for before is not to revive them. */
  readonly #closedProducers = new Set<string>();
  readonly #slowTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** ICE restarts waiting for a `disconnected` transport to come back by itself. */
  readonly #iceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #localMedia: Promise<MediaStream | null> | null = null;
  #joinAttempt = 0;
  #retryDelayMs = FIRST_RETRY_DELAY_MS;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** The send transport being created: one for camera, microphone and screen alike. */
  #sendTransportPending: Promise<types.Transport> | null = null;
  /** Counts media resets: a set-up that fails after a newer reset is not this session's failure. */
  #mediaGeneration = 0;
  /** Who speaks, everyone's link quality, what each video forwards, low-bandwidth mode. */
  readonly quality: QualityState;
  /** The layers, priorities and pauses of the videos received, from the tiles drawing them. */
  readonly consumerControl: ConsumerControl;
  readonly screenShare: ScreenShare;
  /**
   * Whether this person is in the meeting with the connection down: the server holds them, media
   * and all, for its grace period, and they come back as the same participant.
   */
  #isAway = false;

  constructor(meetingId: string, token: AccessToken) {
    this.#meetingId = meetingId;
    this.token = token;
    this.socket = io({
      autoConnect: false,
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.#connectionToken = new ConnectionToken(this.socket, token);
    this.quality = new QualityState(this.socket, () => this.state.get().self?.peerId ?? null);
    this.consumerControl = new ConsumerControl(this.socket);
    this.screenShare = new ScreenShare(this.socket, () => this.sendTransport());
    this.quality.state.subscribe(() => {
      const { isOn, isAudioOnly } = this.quality.state.get().lowBandwidth;

      this.consumerControl.setLowBandwidth(isOn, isAudioOnly);
    });
    this.#listen();
    this.socket.connect();
  }

  /**
   * Asks for camera and microphone and joins at the same time: the others are seen and heard as
   * soon as possible, and what this person sends follows when the devices are open.
   */
  async start(): Promise<void> {
    this.#localMedia = openLocalMedia().then((stream) => {
      if (['left', 'ended', 'failed'].includes(this.state.get().status)) {
        if (stream instanceof MediaStream) stream.getTracks().forEach((track) => track.stop());

        return null;
      }
      if (stream instanceof MediaStream) {
        this.state.update({ localStream: stream });

        return stream;
      }
      this.state.update({ deviceProblem: stream, isMicOn: false, isCameraOn: false });

      return null;
    });

    if (this.socket.connected) await this.#join();
  }

  async setMicOn(on: boolean): Promise<void> {
    await this.#setSending('microphone', on);
    this.state.update({ isMicOn: on });
  }

  async setCameraOn(on: boolean): Promise<void> {
    await this.#setSending('camera', on);
    this.state.update({ isCameraOn: on });
  }

  /** For a team member: lets one waiting person in. */
  async admit(peerId: string): Promise<void> {
    await request(this.socket, 'lobby:admit', { peerId });
  }

  /** For a team member: sends a patient, relative or interpreter back to the waiting room. */
  async sendBack(peerId: string): Promise<void> {
    await request(this.socket, 'lobby:return', { peerId });
  }

  /** Leaves the meeting and releases camera, microphone and connection. */
  async leave(): Promise<void> {
    if (this.socket.connected) {
      await request(this.socket, 'meeting:leave', {}).catch(() => {});
    }
    this.#close('left', null);
  }

  /**
   * The transport this person sends on, created on first use: for camera and microphone after
   * joining, or for a screen share by someone who sends neither.
   */
  async sendTransport(): Promise<types.Transport> {
    if (this.#sendTransport && !this.#sendTransport.closed) return this.#sendTransport;
    if (!this.#device?.loaded || !this.#recvTransport) throw new Error('media not set up');

    const pending = (this.#sendTransportPending ??= this.#createTransport('send'));
    const transport = await pending;

    // Media was set up anew meanwhile: this transport belongs to what was dropped.
    if (pending !== this.#sendTransportPending) {
      transport.close();
      throw new Error('media was reset');
    }
    this.#sendTransport = transport;

    return transport;
  }

  #listen(): void {
    const socket = this.socket;

    socket.on('connect', () => {
      if (!this.#isAway) void this.#join();
      // Socket.io restored the connection and replayed what it missed: nothing to join.
      else if (socket.recovered) this.#carryOn();
      else void this.#resume();
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;

      // A lost network: the server holds this participant for a while, so media, participants
      // and what is being received stay as they are until the connection is back.
      if (reason !== 'io server disconnect' && (this.#isAway || this.#isInMeeting)) {
        this.#isAway = true;
        this.state.update({ status: 'reconnecting' });

        return;
      }

      // The server closed the connection (it restarts): it has forgotten this participant, whose
      // media is set up again on reconnect.
      this.#isAway = false;
      this.#resetMedia();
      this.state.update({ status: 'reconnecting', participants: [], waiting: [] });

      // Socket.io reconnects by itself after a lost connection, but not after the server closed
      // it on purpose, as it does when it restarts.
      if (reason === 'io server disconnect') this.#reconnectLater();
    });
    socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;

      if (code !== 'unauthorized') return;

      // The token may have run out while the connection was down (a laptop that slept).
      void this.#connectionToken.renewForReconnect().then((isWorthRetrying) => {
        const { status } = this.state.get();

        if (status === 'left' || status === 'ended' || status === 'failed') return;
        if (isWorthRetrying) {
          socket.connect();

          return;
        }

        socket.disconnect();
        this.#close('failed', 'errors.unauthorized');
      });
    });
    socket.on('peer:joined', (peer) => this.#addParticipant(peer));
    socket.on('peer:left', ({ peerId }) => this.#removeParticipant(peerId));
    socket.on('producer:new', (producer) => {
      this.#announced.set(producer.producerId, producer);
      void this.#consume(producer);
    });
    socket.on('producer:closed', ({ producerId }) => {
      this.#announced.delete(producerId);
      this.#closedProducers.add(producerId);
      this.#closeConsumerOf(producerId);
    });
    socket.on('consumer:closed', ({ consumerId }) => {
      const consumer = this.#consumers.get(consumerId);

      // A consumer still being set up is closed as soon as it exists.
      if (consumer) this.#closeConsumerOf(consumer.producerId);
      else this.#closedEarly.add(consumerId);
    });
    socket.on('producer:paused', ({ producerId, peerId }) =>
      this.#setRemotePaused(peerId, producerId, true),
    );
    socket.on('producer:resumed', ({ producerId, peerId }) =>
      this.#setRemotePaused(peerId, producerId, false),
    );
    socket.on('media:reset', ({ routerRtpCapabilities }) => {
      void this.#restartMedia(routerRtpCapabilities);
    });
    socket.on('lobby:admitted', (reply) => {
      void this.#setUpMedia(reply).catch(() => this.#startOver());
    });
    socket.on('lobby:returned', (status) => {
      this.#isAway = false;
      this.#resumeKey = null;
      this.#resetMedia();
      this.state.update({
        status: 'waiting',
        lobby: status,
        wasSentBack: true,
        participants: [],
        waiting: [],
      });
    });
    socket.on('lobby:waiting', (status) => {
      if (this.state.get().status === 'waiting') this.state.update({ lobby: status });
    });
    socket.on('lobby:changed', ({ waiting }) => this.state.update({ waiting }));
    socket.on('meeting:ended', ({ reason }) => {
      socket.disconnect();
      this.#close('ended', `ended.${reason}`);
    });
  }

  async #join(): Promise<void> {
    const { status } = this.state.get();

    if (status === 'left' || status === 'ended' || status === 'failed') return;
    if (!this.#localMedia) return;

    const attempt = ++this.#joinAttempt;

    try {
      // A reloaded page (or a restarted browser) whose person the server still holds takes that
      // participant back, so that the others see no one leave and join.
      const resumed = await this.#takeBack();

      if (attempt !== this.#joinAttempt) return;
      if (resumed) {
        await this.#setUpMedia(resumed);
        this.#retryDelayMs = FIRST_RETRY_DELAY_MS;

        return;
      }

      // Patients, relatives and interpreters may be told to wait until the team lets them in.
      const reply = await request(this.socket, 'meeting:enter', { meetingId: this.#meetingId });

      if (attempt !== this.#joinAttempt) return;

      if (reply.status === 'waiting') {
        this.state.update({ status: 'waiting', lobby: reply, participants: [] });

        return;
      }

      await this.#setUpMedia(reply);
      this.#retryDelayMs = FIRST_RETRY_DELAY_MS;
    } catch (error) {
      if (attempt !== this.#joinAttempt) return;

      if (error instanceof RequestError && error.code !== 'timeout' && error.code !== 'internal') {
        this.socket.disconnect();
        this.#close('failed', `errors.${error.code}`);

        return;
      }

      // A timeout, a server fault or media that would not set up: try again on a fresh
      // connection, waiting longer each time so that a lasting fault is not hammered.
      this.#startOver();
    }
  }

  /**
   * Asks for the participant this tab's resume key names, dropping what media the server still
   * holds for it: this page has none of it. Null when there is nothing to take back.
   */
  async #takeBack(): Promise<ResumeReply | null> {
    const resumeKey = this.#resumeKey;

    if (!resumeKey) return null;

    this.#resumeKey = null;

    try {
      return await request(this.socket, 'meeting:resume', {
        meetingId: this.#meetingId,
        resumeKey,
        keepMedia: false,
      });
    } catch {
      return null;
    }
  }

  /** Socket.io restored the connection with its state: the server never let this person go. */
  #carryOn(): void {
    this.#isAway = false;
    this.state.update({ status: 'joined' });

    // Requests cut off by the drop are not sent again by Socket.io: receive what is missing.
    for (const producer of this.#announced.values()) void this.#consume(producer);
    for (const transport of [this.#recvTransport, this.#sendTransport]) {
      if (transport && isBroken(transport)) void this.#restartIce(transport);
    }
  }

  /**
   * A new connection after a lost one: takes the held participant back with the resume key and
   * reconciles with what the server holds. Once the server has let this person go, joins anew.
   */
  async #resume(): Promise<void> {
    const resumeKey = this.#resumeKey;
    const attempt = ++this.#joinAttempt;
    const generation = this.#mediaGeneration;

    try {
      if (!resumeKey) throw new RequestError('not_found', 'no resume key');

      const reply = await request(this.socket, 'meeting:resume', {
        meetingId: this.#meetingId,
        resumeKey,
        keepMedia: true,
      });

      if (attempt !== this.#joinAttempt) return;

      this.#isAway = false;
      await this.#reconcile(reply);
    } catch (error) {
      if (attempt !== this.#joinAttempt) return;

      // Lost again on the way: the next connection tries again, with the same key.
      if (this.#isAway && !this.socket.connected) return;

      this.#isAway = false;
      if (error instanceof RequestError && error.code === 'not_found') {
        this.#resumeKey = null;
        this.#resetMedia();
        this.state.update({ status: 'reconnecting', participants: [], waiting: [] });
        await this.#join();

        return;
      }
      // Taken back, and its media reset meanwhile (its room moved while it was away): the reset
      // sets the media up, and the participant stays the same. Starting over would make it leave.
      if (generation !== this.#mediaGeneration && this.state.get().status === 'joined') return;

      this.#startOver();
    }
  }

  /**
   * Makes this client's meeting the one the server holds (a resume reply): the people, what they
   * send, what this client receives and sends, and transports that lost their connection.
   */
  async #reconcile(reply: ResumeReply): Promise<void> {
    const announced = reply.peers.flatMap((peer) => peer.producers);
    const serverTransports = new Map(reply.media.transports.map((t) => [t.transportId, t]));
    const transports = [this.#recvTransport, this.#sendTransport].filter(
      (t): t is types.Transport => t !== null && !t.closed,
    );

    for (const { peerId } of this.state.get().participants) {
      if (!reply.peers.some((peer) => peer.peerId === peerId)) this.#removeParticipant(peerId);
    }
    for (const peer of reply.peers) {
      if (!this.state.get().participants.some((p) => p.peerId === peer.peerId)) {
        this.#addParticipant(peer);
      }
    }
    for (const producerId of [...this.#announced.keys()]) {
      if (announced.some((p) => p.producerId === producerId)) continue;

      this.#announced.delete(producerId);
      this.#closeConsumerOf(producerId);
    }
    for (const producer of announced) this.#announced.set(producer.producerId, producer);
    this.#resumeKey = reply.resumeKey;
    this.state.update({
      status: 'joined',
      self: reply.self,
      carePlanId: reply.carePlanId,
      lobby: null,
    });

    // The server has lost this client's transports (its media moved while it was away).
    if (!this.#recvTransport || transports.some((t) => !serverTransports.has(t.id))) {
      await this.#restartMedia(reply.routerRtpCapabilities, announced);

      return;
    }

    const serverConsumers = new Set(reply.media.consumers.map((c) => c.consumerId));

    for (const consumer of [...this.#consumers.values()]) {
      if (!serverConsumers.has(consumer.id)) this.#closeConsumerOf(consumer.producerId);
    }
    for (const producer of this.#announced.values()) void this.#consume(producer);
    for (const transport of transports) {
      const iceState = serverTransports.get(transport.id)!.iceState;
      const isLostThere = iceState === 'disconnected' || iceState === 'new';

      if (isBroken(transport) || (isLostThere && transport.connectionState !== 'new')) {
        void this.#restartIce(transport);
      }
    }
    await this.#produceAgain(reply.self.producers.map((p) => p.producerId));
  }

  /** Sends again what the server no longer has of this person's own: it went with a transport. */
  async #produceAgain(producerIds: string[]): Promise<void> {
    const tracks: MediaStreamTrack[] = [];

    for (const source of ['microphone', 'camera'] as const) {
      const producer = this.#producers.get(source);

      if (!producer || producerIds.includes(producer.id)) continue;

      producer.close();
      this.#producers.delete(source);
      if (producer.track) tracks.push(producer.track);
    }
    if (tracks.length > 0 && this.#sendTransport) await this.#produce(new MediaStream(tracks));
  }

  get #isInMeeting(): boolean {
    return this.state.get().status === 'joined' && this.#recvTransport !== null;
  }

  /** The resume key of this meeting, kept for this tab in session storage. */
  get #resumeKey(): string | null {
    try {
      return sessionStorage.getItem(RESUME_KEY_PREFIX + this.#meetingId);
    } catch {
      return null;
    }
  }

  set #resumeKey(key: string | null) {
    try {
      if (key) sessionStorage.setItem(RESUME_KEY_PREFIX + this.#meetingId, key);
      else sessionStorage.removeItem(RESUME_KEY_PREFIX + this.#meetingId);
    } catch {
      // Storage refused (a private window's quota): a dropped connection then joins again.
    }
  }

  #startOver(): void {
    this.#isAway = false;
    this.#resetMedia();
    this.state.update({ status: 'reconnecting', participants: [], waiting: [] });
    this.socket.disconnect();
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    if (this.#reconnectTimer) return;

    const delay = this.#retryDelayMs;

    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.state.get().status === 'reconnecting') this.socket.connect();
    }, delay);
  }

  async #setUpMedia(reply: JoinReply): Promise<void> {
    for (const peer of reply.peers) {
      for (const producer of peer.producers) this.#announced.set(producer.producerId, producer);
    }
    this.#resumeKey = reply.resumeKey;
    this.state.update({
      status: 'joined',
      self: reply.self,
      carePlanId: reply.carePlanId,
      participants: reply.peers.map(toParticipant),
      lobby: null,
    });
    this.quality.setActiveSpeaker(reply.activeSpeakerPeerId);
    await this.#connectMedia(reply.routerRtpCapabilities);
  }

  /**
   * The server lost this meeting's media and opened it anew: drop all media, keep the people, and
   * connect again. The others do the same, and their new producers are announced as they come.
   */
  async #restartMedia(
    routerRtpCapabilities: RtpCapabilities,
    announced: ProducerInfo[] = [],
  ): Promise<void> {
    this.#resetMedia();

    const generation = this.#mediaGeneration;

    for (const producer of announced) this.#announced.set(producer.producerId, producer);
    this.#updateParticipant((p) => ({
      ...p,
      videoTrack: null,
      audioTrack: null,
      screenTrack: null,
    }));

    try {
      await this.#connectMedia(routerRtpCapabilities, { askForProducers: true });
    } catch {
      // Media was reset again meanwhile (the room moved once more): the newer set-up carries on,
      // and this one's failure, against a room that is gone, means nothing.
      if (generation !== this.#mediaGeneration) return;
      // Set-up failed half-way: start over on a fresh connection, which joins again.
      this.#startOver();
    }
  }

  /**
   * Loads a device for the router, then receives what others send and sends this person's own.
   * Both transports are set up at the same time: after a media reset every second counts.
   */
  async #connectMedia(
    routerRtpCapabilities: RtpCapabilities,
    { askForProducers = false } = {},
  ): Promise<void> {
    // A fresh device each time: after a reconnect or a reset the router may be another one.
    const device = new Device();

    this.#device = device;
    await device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });

    // Dropped if media was reset again meanwhile, which made another device.
    const isCurrent = () => this.#device === device;
    const sending = this.#localMedia!.then(async (stream) => {
      if (!stream || !isCurrent()) return null;

      // Shared with a screen share that may have asked for it first.
      const transport = await (this.#sendTransportPending ??= this.#createTransport('send'));

      if (!isCurrent()) transport.close();

      return { stream, transport };
    });

    // Awaited below, or closed with the set-up that failed.
    sending.catch(() => {});

    try {
      const [recvTransport] = await Promise.all([
        this.#createTransport('recv'),
        request(this.socket, 'media:setRtpCapabilities', {
          rtpCapabilities: device.rtpCapabilities as never,
        }),
      ]);

      if (!isCurrent()) {
        recvTransport.close();

        return;
      }
      this.#recvTransport = recvTransport;
    } catch (error) {
      void sending.then((s) => s?.transport.close());
      throw error;
    }

    // Producers announced so far, in the reply or while the transport was being set up.
    for (const producer of this.#announced.values()) void this.#consume(producer);
    // After a reset, what the others send now: their new producers may have been announced
    // before this client's reset dropped them (another signalling node recovered first), or
    // announced while this client still consumed through the room that was gone.
    if (askForProducers) void this.#consumeCurrent(isCurrent);

    const send = await sending;

    if (send && isCurrent() && !this.#recvTransport.closed) {
      this.#sendTransport = send.transport;
      await this.#produce(send.stream);
    }
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const device = this.#device!;
    const [options, ice] = await Promise.all([
      request(this.socket, 'media:createTransport', { direction }),
      fetchIceServers(this.socket),
    ]);
    const params = {
      id: options.id,
      iceParameters: options.iceParameters,
      iceCandidates: options.iceCandidates as types.IceCandidate[],
      dtlsParameters: options.dtlsParameters as types.DtlsParameters,
      // TURN for those who cannot reach the media server directly; `relay` only when forced.
      iceServers: ice.iceServers,
      iceTransportPolicy: ice.iceTransportPolicy,
    };
    const transport =
      direction === 'send'
        ? device.createSendTransport(params)
        : device.createRecvTransport(params);

    keepIceServersFresh(this.socket, transport, ice);

    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#watchConnection(transport);
      request(this.socket, 'media:connectTransport', {
        transportId: transport.id,
        dtlsParameters: dtlsParameters as never,
      }).then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      request(this.socket, 'media:produce', {
        transportId: transport.id,
        kind,
        rtpParameters: rtpParameters as never,
        source: appData.source as ProducerInfo['source'],
      }).then(({ producerId }) => callback({ id: producerId }), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') {
        this.#clearSlow(transport.id);
      } else if (state === 'disconnected' || state === 'failed') {
        this.#watchConnection(transport);
        this.#restartIceSoon(transport, state === 'failed' ? 0 : ICE_DISCONNECTED_GRACE_MS);
      }
    });

    return transport;
  }

  /**
   * Chromium leaves a connection that can never succeed in "new" or "checking" forever. A timer
   * turns that into a message the user sees and an ICE restart, repeated until it connects.
   */
  #watchConnection(transport: types.Transport): void {
    if (this.#slowTimers.has(transport.id)) return;

    const timer = setTimeout(() => {
      this.#slowTimers.delete(transport.id);
      if (transport.closed || transport.connectionState === 'connected') return;

      this.state.update({ isMediaSlow: true });
      void this.#restartIce(transport).finally(() => {
        if (!transport.closed && transport.connectionState !== 'connected') {
          this.#watchConnection(transport);
        }
      });
    }, TRANSPORT_CONNECT_TIMEOUT_MS);

    this.#slowTimers.set(transport.id, timer);
  }

  /**
   * Restarts ICE on a transport that lost its connection, unless it comes back by itself first.
   * With the signalling connection down too, the restart waits for it (see #carryOn, #reconcile).
   */
  #restartIceSoon(transport: types.Transport, delayMs: number): void {
    clearTimeout(this.#iceTimers.get(transport.id));
    this.#iceTimers.set(
      transport.id,
      setTimeout(() => {
        this.#iceTimers.delete(transport.id);
        if (!transport.closed && isBroken(transport) && this.socket.connected) {
          void this.#restartIce(transport);
        }
      }, delayMs),
    );
  }

  #clearSlow(transportId: string): void {
    clearTimeout(this.#slowTimers.get(transportId));
    this.#slowTimers.delete(transportId);
    if (this.#slowTimers.size === 0) this.state.update({ isMediaSlow: false });
  }

  async #restartIce(transport: types.Transport): Promise<void> {
    try {
      const { iceParameters } = await request(this.socket, 'media:restartIce', {
        transportId: transport.id,
      });

      if (!transport.closed) await transport.restartIce({ iceParameters });
    } catch {
      // The connection itself may be down; the socket's reconnect sets everything up again.
    }
  }

  async #produce(stream: MediaStream): Promise<void> {
    const transport = this.#sendTransport!;
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];

    if (audio) {
      const producer = await transport.produce({
        track: audio,
        // The session owns the tracks: they outlive a producer when media is set up again.
        stopTracks: false,
        codecOptions: { opusDtx: true, opusFec: true },
        appData: { source: 'microphone' },
      });

      this.#producers.set('microphone', producer);
      if (!this.state.get().isMicOn) await this.#setSending('microphone', false);
    }
    if (video) {
      const producer = await transport.produce({
        track: video,
        stopTracks: false,
        encodings: CAMERA_ENCODINGS,
        codecOptions: { videoGoogleStartBitrate: 1000 },
        appData: { source: 'camera' },
      });

      this.#producers.set('camera', producer);
      if (!this.state.get().isCameraOn) await this.#setSending('camera', false);
    }
  }

  async #setSending(source: 'microphone' | 'camera', on: boolean): Promise<void> {
    const producer = this.#producers.get(source);
    const track = this.state
      .get()
      .localStream?.getTracks()
      .find((t) => t.kind === (source === 'camera' ? 'video' : 'audio'));

    if (track) track.enabled = on;
    if (!producer || producer.closed) return;

    if (on) {
      producer.resume();
      await request(this.socket, 'media:resumeProducer', { producerId: producer.id });
    } else {
      producer.pause();
      await request(this.socket, 'media:pauseProducer', { producerId: producer.id });
    }
  }

  /**
   * Receives one announced producer. The producer can go at any step (closed, or its peer left),
   * and the server's notice can arrive before this client knows the consumer it is about; each
   * step checks, so that no consumer is left behind on either side.
   */
  async #consume(producer: ProducerInfo): Promise<void> {
    const transport = this.#recvTransport;
    const { producerId } = producer;
    const isGone = () => !this.#announced.has(producerId) || transport!.closed;

    if (!transport || this.#consumedProducers.has(producerId)) return;

    this.#consumedProducers.add(producerId);

    let consumer: types.Consumer | null = null;

    try {
      const options = await request(this.socket, 'media:consume', {
        transportId: transport.id,
        producerId,
      });

      // Gone while we asked: the server closed its consumer with the producer or the transport.
      if (isGone()) throw new Error('producer gone');

      consumer = await transport.consume({
        id: options.consumerId,
        producerId: options.producerId,
        kind: options.kind,
        rtpParameters: options.rtpParameters as types.RtpParameters,
        appData: { peerId: options.peerId },
      });
      this.#consumers.set(consumer.id, consumer);
      if (isGone() || this.#closedEarly.delete(consumer.id)) throw new Error('producer gone');

      this.#attachTrack(producer, consumer);
      await request(this.socket, 'media:resumeConsumer', { consumerId: consumer.id });
      if (consumer.kind === 'video') {
        this.consumerControl.add(consumer.id, options.layers?.spatial ?? 1);
      }
    } catch {
      if (consumer) {
        consumer.close();
        this.#consumers.delete(consumer.id);
        this.consumerControl.remove(consumer.id);
        this.#detachTrack(consumer.track);
      }
      this.#consumedProducers.delete(producerId);
    }
  }

  /** Asks for every producer the others send right now and receives those not received yet. */
  async #consumeCurrent(isCurrent: () => boolean): Promise<void> {
    let producers: ProducerInfo[];

    try {
      ({ producers } = await request(this.socket, 'media:producers', {}));
    } catch {
      // Lost with the connection: a resume reconciles what is received.
      return;
    }
    if (!isCurrent()) return;

    for (const producer of producers) {
      const isKnownPeer = this.state.get().participants.some((p) => p.peerId === producer.peerId);

      if (this.#closedProducers.has(producer.producerId) || !isKnownPeer) continue;
      if (!this.#announced.has(producer.producerId)) {
        this.#announced.set(producer.producerId, producer);
      }
      void this.#consume(this.#announced.get(producer.producerId)!);
    }
    this.#closedProducers.clear();
  }

  #closeConsumerOf(producerId: string): void {
    this.#consumedProducers.delete(producerId);

    for (const consumer of this.#consumers.values()) {
      if (consumer.producerId !== producerId) continue;

      consumer.close();
      this.#consumers.delete(consumer.id);
      this.consumerControl.remove(consumer.id);
      this.#detachTrack(consumer.track);
    }
  }

  #detachTrack(track: MediaStreamTrack): void {
    this.#updateParticipant((p) => {
      if (p.videoTrack === track) return { ...p, videoTrack: null, videoConsumerId: null };
      if (p.screenTrack === track) return { ...p, screenTrack: null, screenConsumerId: null };
      if (p.audioTrack === track) return { ...p, audioTrack: null };

      return p;
    });
  }

  #attachTrack(producer: ProducerInfo, consumer: types.Consumer): void {
    const { track, id } = consumer;
    const paused = producer.paused;

    this.#updateParticipant((p) => {
      if (p.peerId !== producer.peerId) return p;

      switch (producer.source) {
        case 'camera':
          return { ...p, videoTrack: track, videoConsumerId: id, isVideoPaused: paused };
        case 'screen':
          return { ...p, screenTrack: track, screenConsumerId: id };
        case 'microphone':
          return { ...p, audioTrack: track, isAudioPaused: paused };
      }
    });
  }

  #setRemotePaused(peerId: string, producerId: string, paused: boolean): void {
    const source = this.#announced.get(producerId)?.source;

    this.#updateParticipant((p) => {
      if (p.peerId !== peerId) return p;
      if (source === 'camera') return { ...p, isVideoPaused: paused };
      if (source === 'microphone') return { ...p, isAudioPaused: paused };

      return p;
    });
  }

  #addParticipant(peer: PeerInfo): void {
    this.state.update((s) => ({
      ...s,
      participants: [
        ...s.participants.filter((p) => p.peerId !== peer.peerId),
        toParticipant(peer),
      ],
    }));
  }

  #removeParticipant(peerId: string): void {
    for (const producer of [...this.#announced.values()]) {
      if (producer.peerId === peerId) this.#announced.delete(producer.producerId);
    }
    for (const consumer of [...this.#consumers.values()]) {
      if (consumer.appData.peerId !== peerId) continue;

      this.#consumedProducers.delete(consumer.producerId);
      consumer.close();
      this.#consumers.delete(consumer.id);
      this.consumerControl.remove(consumer.id);
    }
    this.state.update((s) => ({
      ...s,
      participants: s.participants.filter((p) => p.peerId !== peerId),
    }));
  }

  #updateParticipant(change: (p: RemoteParticipant) => RemoteParticipant): void {
    this.state.update((s) => ({ ...s, participants: s.participants.map(change) }));
  }

  #resetMedia(): void {
    this.#mediaGeneration++;
    for (const timer of this.#slowTimers.values()) clearTimeout(timer);
    this.#slowTimers.clear();
    for (const timer of this.#iceTimers.values()) clearTimeout(timer);
    this.#iceTimers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = null;
    this.#sendTransportPending = null;
    this.#recvTransport = null;
    this.#producers.clear();
    this.#consumers.clear();
    this.consumerControl.clear();
    this.#announced.clear();
    this.#consumedProducers.clear();
    this.#closedEarly.clear();
    this.#closedProducers.clear();
  }

  #close(status: SessionStatus, reason: string | null): void {
    this.#joinAttempt++;
    this.#isAway = false;
    this.#resumeKey = null;
    this.#connectionToken.close();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#resetMedia();
    this.screenShare.dispose();
    for (const track of this.state.get().localStream?.getTracks() ?? []) track.stop();
    this.socket.disconnect();
    this.state.update({ status, reason, participants: [], waiting: [], localStream: null });
  }
}

/** Whether a transport lost its connection: an ICE restart may bring it back. */
function isBroken(transport: types.Transport): boolean {
  return transport.connectionState === 'disconnected' || transport.connectionState === 'failed';
}

function toParticipant(peer: PeerInfo): RemoteParticipant {
  return {
    peerId: peer.peerId,
    displayName: peer.displayName,
    role: peer.role,
    organisation: peer.organisation,
    videoTrack: null,
    audioTrack: null,
    isVideoPaused: false,
    isAudioPaused: false,
    videoConsumerId: null,
    screenTrack: null,
    screenConsumerId: null,
  };
}

/** Camera at 1280x720 (so that all three simulcast layers can be sent) and microphone. */
async function openLocalMedia(): Promise<MediaStream | 'denied' | 'missing'> {
  const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24 } };

  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (error) {
    const name = (error as DOMException).name;

    if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';

    // Perhaps only one of the two exists; a meeting with sound alone is still a meeting.
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return 'missing';
    }
  }
}
