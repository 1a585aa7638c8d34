import type { AccessLog } from '../audit/AccessLog.ts';
import type { VerifiedToken } from '../auth/tokens.ts';
import type { CarePlanService } from '../careplan/CarePlanService.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { MediaNode } from '@teamrom/sfu-server';
import type { Server, Socket } from 'socket.io';

import type { ConsentService } from '../consent/ConsentService.ts';
import type { Logger } from '../logger.ts';
import type { ProbeService } from '../media/ProbeService.ts';
import type { Metrics } from '../metrics/Metrics.ts';
import type { Introductions } from '../meeting/Introductions.ts';
import type { MeetingRecordService } from '../meeting/MeetingRecordService.ts';
import type { MeetingService } from '../meeting/MeetingService.ts';
import type { Peer } from '../meeting/Peer.ts';
import type { Resumption } from '../meeting/Resumption.ts';
import type { WaitingRoom } from '../meeting/WaitingRoom.ts';
import type { RingService } from '../ring/RingService.ts';
import type { SchedulingServices } from '../scheduling/services.ts';
import type { IceServerIssuer } from '../turn/IceServerIssuer.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/index.ts';

/** What the gateway keeps on each connection. */
export interface SocketData {
  token: VerifiedToken;
  peer: Peer | null;
  /** A join on this connection is under way; a second one is refused. */
  isJoining: boolean;
  /** The WebSocket close code the connection ended with; null while open, or when unknown. */
  closeCode: number | null;
}

export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

/** The services a handler group works with. */
export interface GatewayServices {
  io: GatewayServer;
  tokens: TokenService;
  meetings: MeetingService;
  resumption: Resumption;
  waitingRoom: WaitingRoom;
  introductions: Introductions;
  meetingRecords: MeetingRecordService;
  rings: RingService;
  scheduling: SchedulingServices;
  carePlans: CarePlanService;
  consents: ConsentService;
  accessLog: AccessLog;
  media: MediaNode;
  probes: ProbeService;
  iceServers: IceServerIssuer;
  metrics: Metrics;
  log: Logger;
}
