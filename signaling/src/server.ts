import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { MediaNode } from '@teamrom/sfu-server';
import { ClusterMediaNode, LocalMediaNode } from '@teamrom/sfu-server';

import { isStaff } from './access/CareTeamAccess.ts';
import { AccessLog } from './audit/AccessLog.ts';
import { AuditLog } from './audit/AuditLog.ts';
import { TokenService } from './auth/tokens.ts';
import { CarePlanService } from './careplan/CarePlanService.ts';
import type { SignalingCluster } from './cluster/SignalingCluster.ts';
import { connectSignalingCluster } from './cluster/SignalingCluster.ts';
import type { Config } from './config.ts';
import { ConsentService } from './consent/ConsentService.ts';
import type { Database } from './db/index.ts';
import { openDatabase } from './db/index.ts';
import { DEMO, seedDemo } from './demo/seed.ts';
import { planRoom, sweepPlanViewers } from './gateway/planViewers.ts';
import { attachGateway, createSocketServer } from './gateway/SocketGateway.ts';
import type { DemoLink } from './http/app.ts';
import { createHttpApp } from './http/app.ts';
import type { Logger } from './logger.ts';
import { logger as rootLogger } from './logger.ts';
import { ProbeService } from './media/ProbeService.ts';
import { Attendance } from './meeting/Attendance.ts';
import { Introductions } from './meeting/Introductions.ts';
import { MeetingRecordService } from './meeting/MeetingRecordService.ts';
import { MeetingService } from './meeting/MeetingService.ts';
import { QualityMonitor } from './meeting/QualityMonitor.ts';
import { Resumption } from './meeting/Resumption.ts';
import { WaitingRoom } from './meeting/WaitingRoom.ts';
import { Metrics } from './metrics/Metrics.ts';
import { RingService } from './ring/RingService.ts';
import { createSchedulingServices } from './scheduling/services.ts';
import { IceServerIssuer } from './turn/IceServerIssuer.ts';

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  media: MediaNode;
  tokens: TokenService;
  meetings: MeetingService;
  metrics: Metrics;
  /** This node's part in a cluster (MEDIA_MODE=cluster); null for a single node. */
  cluster: SignalingCluster | null;
  /** Join links of the demo people (and the staff pages of team members), in demo mode. */
  demoLinks: (() => DemoLink[]) | null;
  close(): Promise<void>;
}

/** How long a printed demo link stays valid. */
const DEMO_LINK_SECONDS = 24 * 60 * 60;

/**
 * Starts Teamrom all-in-one: the database, a media node in this process, the HTTP API and the
 * Socket.io gateway on one port. `config.dataDir === null`-like in-memory use is for tests only.
 */
export async function startServer(
  config: Config,
  options: {
    log?: Logger;
    inMemoryDatabase?: boolean;
    /** How long a connection check stays open; tests shorten PROBE_LIFETIME_SECONDS. */
    probeLifetimeMs?: number;
  } = {},
): Promise<RunningServer> {
  const log = options.log ?? rootLogger;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: options.inMemoryDatabase ? null : config.dataDir,
  });
  const tokens = await TokenService.fromConfig(config.jwtSecret, config.dataDir, {
    acceptsDemo: config.demo,
    renewedSeconds: config.tokenSeconds,
    maxSessionSeconds: config.maxSessionSeconds,
  });
  const media: MediaNode = config.mediaCluster
    ? await ClusterMediaNode.connect({
        redisUrl: config.mediaCluster.redisUrl,
        keyPrefix: config.mediaCluster.keyPrefix,
        log: log.child({ component: 'media' }),
      })
    : await LocalMediaNode.create(
        {
          numWorkers: config.media.numWorkers,
          listenIp: config.media.listenIp,
          announcedIp: config.media.announcedIp,
          rtcMinPort: config.media.rtcMinPort,
          rtcMaxPort: config.media.rtcMaxPort,
          webRtcServer: config.media.webRtcServer,
          webRtcPort: config.media.webRtcPort,
        },
        log.child({ component: 'media' }),
      );

  if (config.demo) await seedDemo(db);

  const cluster = config.mediaCluster
    ? await connectSignalingCluster({
        redisUrl: config.mediaCluster.redisUrl,
        keyPrefix: config.mediaCluster.keyPrefix,
        nodeId: config.mediaCluster.nodeId,
        log,
        graceMs: config.resumeGraceMs,
      })
    : null;

  const audit = new AuditLog(db, log);
  const carePlans = new CarePlanService(db, audit);
  const consents = new ConsentService(db, audit);
  const accessLog = new AccessLog(db, audit);
  const httpServer = createServer();
  let app: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;

  // Registered before Socket.io attaches, so that Socket.io sets this listener aside for its own
  // paths. A listener added afterwards would also answer /socket.io/ (with a 404), and engine.io's
  // own later answer to a long-polling request would then throw outside any handler.
  httpServer.on('request', (req, res) => app?.(req, res));

  const io = createSocketServer(httpServer, {
    recoveryMs: config.resumeGraceMs,
    adapter: cluster?.adapter,
  });
  const attendance = new Attendance(db);
  const meetings = new MeetingService({
    db,
    media,
    audit,
    io,
    log,
    attendance,
    hasWaitingRooms: config.waitingRoom,
    roster: cluster?.roster,
  });
  const resumption = new Resumption({
    meetings,
    media,
    audit,
    log,
    graceMs: config.resumeGraceMs,
  });
  const quality = new QualityMonitor({
    media,
    meetings,
    io,
    log,
    intervalMs: config.qualityIntervalMs,
  });
  const waitingRoom = new WaitingRoom({ io, meetings, audit, log, lobbies: cluster?.lobbies });
  const introductions = new Introductions(db, audit);
  const meetingRecords = new MeetingRecordService({ db, audit, attendance, introductions });
  const rings = new RingService({ db, audit, timeoutMs: config.ringTimeoutMs, log });
  const scheduling = createSchedulingServices({ db, audit, tokens });
  const iceServers = new IceServerIssuer(config.turn);
  const probes = new ProbeService({
    media,
    iceServers,
    log: log.child({ component: 'probe' }),
    lifetimeMs: options.probeLifetimeMs,
  });
  const metrics = new Metrics({
    media,
    meetingCount: () => meetings.meetingCount,
    participantCount: () => meetings.participantCount,
    connectionCount: () => io.engine.clientsCount,
  });
  const makeDemoLinks = (baseUrl: string): DemoLink[] =>
    DEMO.people.map((person) => ({
      name: person.name,
      role: person.role,
      url:
        `${baseUrl}/m/${DEMO.meetingId}#token=` +
        tokens.sign(
          { sub: person.id, role: person.role, meetingId: DEMO.meetingId, demo: true },
          DEMO_LINK_SECONDS,
        ),
      // A team member's own token, for no one meeting: it opens their staff pages.
      ...(isStaff(person.role) && {
        homeUrl:
          `${baseUrl}/#token=` +
          tokens.sign({ sub: person.id, role: person.role, demo: true }, DEMO_LINK_SECONDS),
      }),
    }));
  const httpApp = createHttpApp({
    db,
    media,
    tokens,
    carePlans,
    scheduling,
    metrics,
    log,
    webDistDir: config.webDistDir,
    demoLinks: config.demo ? makeDemoLinks : null,
    publicUrl: config.publicUrl,
    cluster,
    onPlanChanged: ({ planId, applied }) => {
      io.to(planRoom(planId)).emit('careplan:changed', applied);
    },
  });

  app = httpApp;
  attachGateway({
    io,
    tokens,
    meetings,
    resumption,
    waitingRoom,
    introductions,
    meetingRecords,
    rings,
    scheduling,
    carePlans,
    consents,
    accessLog,
    media,
    probes,
    iceServers,
    metrics,
    log,
  });

  const planSweep = setInterval(() => {
    sweepPlanViewers(io, carePlans, log).catch((error: unknown) => {
      log.error({ err: error }, 'checking who may keep their care plans open failed');
    });
  }, config.planSweepMs);

  planSweep.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });

  const port = (httpServer.address() as AddressInfo).port;
  const url = config.publicUrl ?? `http://localhost:${port}`;

  log.info({ port, database: db.driver, workers: config.media.numWorkers }, 'teamrom listening');
  if (!config.publicUrl && !config.demo) {
    log.warn(
      { url },
      'PUBLIC_URL is not set: invitation links point at this host (localhost) and work only here',
    );
  }
  if (config.turn) {
    const { urls, ttlSeconds, forceRelay } = config.turn;

    log.info({ urls, ttlSeconds, forceRelay }, 'TURN servers handed to clients');
    if (forceRelay) log.warn('TURN_FORCE_RELAY is on: all media goes through TURN (for testing)');
  }

  return {
    url,
    port,
    db,
    media,
    tokens,
    meetings,
    metrics,
    cluster,
    demoLinks: config.demo ? () => makeDemoLinks(url) : null,
    async close() {
      clearInterval(planSweep);
      quality.close();
      resumption.close();
      rings.close();
      if (cluster) await handOver(io, meetings, cluster);
      // This node's connections only: without `local`, the adapter would end every node's.
      io.local.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      await cluster?.close();
      await media.close();
      await db.close();
    },
  };
}

/**
 * A cluster node stopping on purpose hands its participants to the other nodes instead of ending
 * their meeting: they stay in the shared roster, and their connections end as a lost network's
 * would, so that Socket.io keeps their sessions in Redis. Their clients reconnect through the
 * balancer to another node, which recovers the session (or takes the resume key) and takes the
 * participant over with the same identity; those that do not come back are removed by the other
 * nodes after the grace period.
 */
async function handOver(
  io: ReturnType<typeof createSocketServer>,
  meetings: MeetingService,
  cluster: SignalingCluster,
): Promise<void> {
  meetings.handOver();
  io.engine.close();

  const until = Date.now() + 2_000;

  while (io.of('/').sockets.size > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The sessions were written on the adapter's connection; what is queued there goes first.
  await cluster.flush().catch(() => {});
}
