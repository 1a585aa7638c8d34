import { z } from 'zod';

import type { CarePlan, OpenedPlan, PlanHistoryEntry, PlanOperationApplied } from './careplan.ts';
import type { AccessLogEntry, Consent } from './consent.ts';
import { grantConsentSchema } from './consent.ts';
import { applyPlanOperationSchema } from './careplan.ts';
import type { ConsumerEvents, ConsumerReplies, LayerCounts } from './consumers.ts';
import { consumerRequestSchemas } from './consumers.ts';
import type { AckCallback } from './errors.ts';
import type { IceReplies } from './ice.ts';
import { iceRequestSchemas } from './ice.ts';
import type { LobbyEvents, LobbyReplies } from './lobby.ts';
import { lobbyRequestSchemas } from './lobby.ts';
import type {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  MediaKind,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
} from './media.ts';
import {
  dtlsParametersSchema,
  idSchema,
  mediaSourceSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
} from './media.ts';
import type { MeetingRecordEvents, MeetingRecordReplies } from './meetingRecord.ts';
import { meetingRecordRequestSchemas } from './meetingRecord.ts';
import type { ParticipantRole } from './participants.ts';
import type { ProbeReplies } from './probe.ts';
import { probeRequestSchemas } from './probe.ts';
import type { QualityEvents } from './quality.ts';
import type { ResumeReplies } from './resume.ts';
import { resumeRequestSchemas } from './resume.ts';
import type { RingEvents, RingReplies } from './ring.ts';
import type { SchedulingEvents, SchedulingReplies } from './scheduling.ts';
import { schedulingRequestSchemas } from './scheduling.ts';
import { ringRequestSchemas } from './ring.ts';

/** Everyone in a meeting as the others see them. No identity numbers, ever. */
export interface PeerInfo {
  peerId: string;
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisation: string | null;
  producers: ProducerInfo[];
}

export interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
}

export interface TransportOptions {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: DtlsParameters;
}

export interface ConsumerOptions {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: MediaKind;
  rtpParameters: RtpParameters;
  /** The layers `media:setPreferredLayers` can choose from; null for audio and single streams. */
  layers: LayerCounts | null;
}

export interface JoinReply {
  self: PeerInfo;
  patientId: string;
  carePlanId: string | null;
  routerRtpCapabilities: RtpCapabilities;
  peers: PeerInfo[];
  /**
   * Keep it (in session storage, never in a URL or a log): it brings this participant back after
   * a dropped connection with `meeting:resume`. Secret, and good for this person only.
   */
  resumeKey: string;
  /** Who is speaking now, if anyone has yet; `speaker:active` tells of each change. */
  activeSpeakerPeerId: string | null;
}

/*
 * Payload schemas of client-to-server events. The gateway parses every payload with these before
 * it touches anything; a failed parse is answered with `invalid_request`.
 */
export const requestSchemas = {
  /**
   * Hands the connection a renewed access token (from POST /api/token/renew) for the same person
   * and grant, so that it carries on without connecting or joining again. Accepted also after the
   * connection's own token has expired.
   */
  'auth:renew': z.object({ token: z.string().min(1).max(4096) }),
  'meeting:join': z.object({ meetingId: idSchema }),
  'meeting:leave': z.object({}),
  ...resumeRequestSchemas,
  'media:createTransport': z.object({ direction: z.enum(['send', 'recv']) }),
  'media:connectTransport': z.object({
    transportId: idSchema,
    dtlsParameters: dtlsParametersSchema,
  }),
  'media:restartIce': z.object({ transportId: idSchema }),
  'media:setRtpCapabilities': z.object({ rtpCapabilities: rtpCapabilitiesSchema }),
  'media:produce': z
    .object({
      transportId: idSchema,
      kind: z.enum(['audio', 'video']),
      rtpParameters: rtpParametersSchema,
      source: mediaSourceSchema,
    })
    .refine((p) => (p.source === 'microphone') === (p.kind === 'audio'), {
      message: 'a microphone sends audio; a camera or a screen sends video',
      path: ['source'],
    }),
  'media:closeProducer': z.object({ producerId: idSchema }),
  'media:pauseProducer': z.object({ producerId: idSchema }),
  'media:resumeProducer': z.object({ producerId: idSchema }),
  'media:consume': z.object({ transportId: idSchema, producerId: idSchema }),
  /** What the others in the meeting send right now, on every signalling node (after a reset). */
  'media:producers': z.object({}),
  'media:resumeConsumer': z.object({ consumerId: idSchema }),
  ...consumerRequestSchemas,
  ...iceRequestSchemas,
  ...probeRequestSchemas,
  'careplan:open': z.object({ planId: idSchema }),
  'careplan:apply': applyPlanOperationSchema,
  'careplan:close': z.object({ planId: idSchema }),
  'careplan:history': z.object({ planId: idSchema }),
  'careplan:version': z.object({ planId: idSchema, version: z.number().int().nonnegative() }),
  'consent:list': z.object({ patientId: idSchema }),
  'consent:grant': grantConsentSchema,
  'consent:withdraw': z.object({ consentId: idSchema }),
  'audit:accessLog': z.object({ patientId: idSchema }),
  ...lobbyRequestSchemas,
  ...ringRequestSchemas,
  ...meetingRecordRequestSchemas,
  ...schedulingRequestSchemas,
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestPayload<E extends RequestName> = z.input<(typeof requestSchemas)[E]>;
export type ParsedRequest<E extends RequestName> = z.output<(typeof requestSchemas)[E]>;

/** What each request is answered with on success. */
export interface ReplyMap
  extends
    LobbyReplies,
    RingReplies,
    MeetingRecordReplies,
    SchedulingReplies,
    IceReplies,
    ProbeReplies,
    ConsumerReplies,
    ResumeReplies {
  'auth:renew': { expiresAt: string };
  'meeting:join': JoinReply;
  'meeting:leave': Record<string, never>;
  'media:createTransport': TransportOptions;
  'media:connectTransport': Record<string, never>;
  'media:restartIce': { iceParameters: IceParameters };
  'media:setRtpCapabilities': Record<string, never>;
  'media:produce': { producerId: string };
  'media:closeProducer': Record<string, never>;
  'media:pauseProducer': Record<string, never>;
  'media:resumeProducer': Record<string, never>;
  'media:consume': ConsumerOptions;
  'media:producers': { producers: ProducerInfo[] };
  'media:resumeConsumer': Record<string, never>;
  'careplan:open': OpenedPlan;
  'careplan:apply': PlanOperationApplied;
  'careplan:close': Record<string, never>;
  'careplan:history': PlanHistoryEntry[];
  'careplan:version': CarePlan;
  'consent:list': Consent[];
  'consent:grant': Consent;
  'consent:withdraw': Consent;
  'audit:accessLog': AccessLogEntry[];
}

export type ClientToServerEvents = {
  [E in RequestName]: (payload: RequestPayload<E>, ack: AckCallback<ReplyMap[E]>) => void;
};

export interface ServerToClientEvents
  extends
    LobbyEvents,
    RingEvents,
    MeetingRecordEvents,
    ConsumerEvents,
    QualityEvents,
    SchedulingEvents {
  'peer:joined': (peer: PeerInfo) => void;
  'peer:left': (event: { peerId: string }) => void;
  'producer:new': (producer: ProducerInfo) => void;
  /**
   * A producer closed: once per producer, whether its owner closed it or it went with its
   * transport. The owner hears of it only in the second case, and produces again if it wants to.
   */
  'producer:closed': (event: { producerId: string; peerId: string }) => void;
  'producer:paused': (event: { producerId: string; peerId: string }) => void;
  'producer:resumed': (event: { producerId: string; peerId: string }) => void;
  /** The server closed one of this client's consumers (its producer or transport went away). */
  'consumer:closed': (event: { consumerId: string }) => void;
  /**
   * An operation was applied to a plan this client has open. Apply it with `reduce` when its version
   * follows the one held; after a gap, open the plan again.
   */
  'careplan:changed': (event: PlanOperationApplied) => void;
  /**
   * This client may no longer read the plan: close it. `access_withdrawn`: a consent was withdrawn
   * or the person left the care team; `expired`: the access token ran out and was not renewed.
   */
  'careplan:closed': (event: { planId: string; reason: 'access_withdrawn' | 'expired' }) => void;
  /** The patient's consents changed: lists of them should be fetched again. */
  'consent:changed': (event: { patientId: string }) => void;
  /**
   * The meeting's media server was replaced (its worker died): drop every transport, producer and
   * consumer, and set media up again against these capabilities. The people in the meeting stay.
   */
  'media:reset': (event: { routerRtpCapabilities: RtpCapabilities }) => void;
  /** The meeting ended for this client (removed, replaced by a newer connection, or closed). */
  'meeting:ended': (event: { reason: 'replaced' | 'closed' | 'removed' }) => void;
}

export type MediaTypes = {
  DtlsParameters: DtlsParameters;
  RtpCapabilities: RtpCapabilities;
  RtpParameters: RtpParameters;
};
