import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import type { MediaNode } from '@teamrom/sfu-server';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

import type { TokenService, VerifiedToken } from '../auth/tokens.ts';
import type { CarePlanService } from '../careplan/CarePlanService.ts';
import type { Database } from '../db/index.ts';
import { AppError, httpStatus, toErrorBody } from '../errors.ts';
import { createFhirRouter } from '../fhir/routes.ts';
import { requireBearer } from './bearer.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/Metrics.ts';
import type { PlanOperationApplied } from '../protocol/index.ts';
import { applyPlanOperationSchema } from '../protocol/index.ts';
import { createSchedulingRouter } from '../scheduling/routes.ts';
import type { SchedulingServices } from '../scheduling/services.ts';
import { createWorklistRouter } from '../worklist/routes.ts';

export interface HttpDeps {
  db: Database;
  media: MediaNode;
  tokens: TokenService;
  carePlans: CarePlanService;
  scheduling: SchedulingServices;
  metrics: Metrics;
  log: Logger;
  webDistDir: string;
  /** Present in demo mode only: the join links of the seeded people. */
  demoLinks: ((baseUrl: string) => DemoLink[]) | null;
  publicUrl: string | undefined;
  /** In a cluster: whether Redis answers. Null for a single node, which uses no Redis. */
  cluster?: { readonly isRedisReady: boolean } | null;
  /** Called after a change that viewers of the plan must see. */
  onPlanChanged: (event: { planId: string; applied: PlanOperationApplied }) => void;
}

/** One demo person, as `GET /api/demo/links` lists them. */
export interface DemoLink {
  name: string;
  role: string;
  /** Joins the demo meeting as this person. */
  url: string;
  /** For team members: their staff pages (patients, meetings, worklist), signed in. */
  homeUrl?: string;
}

type AuthedRequest = Request & { token?: VerifiedToken };

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);
  // Before the JSON parser: FHIR reads its own bodies (application/fhir+json, whole bundles).
  app.use(
    '/fhir',
    createFhirRouter({
      ...deps,
      sessions: deps.scheduling.sessions,
      baseUrl: (req) => deps.publicUrl ?? baseUrlOf(req),
    }),
  );
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', async (_req, res) => {
    const [media, database] = await Promise.allSettled([deps.media.stats(), deps.db.ping()]);
    const workers = media.status === 'fulfilled' ? media.value.workers : 0;
    const ok = workers > 0 && database.status === 'fulfilled';

    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      workers,
      database: database.status === 'fulfilled' ? 'ok' : 'unreachable',
    });
  });

  // Ready to take meetings: workers up and the database answering, and in a cluster Redis too.
  // Without Redis a cluster node still serves its own clients (meetings already running keep their
  // media) but nothing crosses nodes: 200 with status "degraded", so that a load balancer keeps
  // the node while an operator is warned. Service resumes by itself when Redis is back.
  app.get('/readyz', async (_req, res) => {
    const redisDown = deps.cluster ? !deps.cluster.isRedisReady : false;
    const [media, database] = await Promise.allSettled([
      redisDown ? Promise.reject(new Error('Redis is away')) : deps.media.stats(),
      deps.db.ping(),
    ]);
    const workers = media.status === 'fulfilled' ? media.value.workers : 0;
    const checks: Record<string, string> = {
      // Media nodes are reached through Redis: while it is away, they cannot be asked.
      workers: redisDown ? 'unknown' : workers > 0 ? 'ok' : 'down',
      database: database.status === 'fulfilled' ? 'ok' : 'unreachable',
      ...(deps.cluster && { redis: redisDown ? 'unreachable' : 'ok' }),
    };

    if (checks.database !== 'ok' || checks.workers === 'down') {
      res.status(503).json({ status: 'unready', checks });
    } else if (redisDown) {
      res.status(200).json({ status: 'degraded', checks });
    } else {
      res.status(200).json({ status: 'ready', checks });
    }
  });

  // Holds no patient data; still, keep it off the public side of the load balancer.
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    } catch (error) {
      next(error);
    }
  });

  app.get('/api/demo/links', (req, res) => {
    if (!deps.demoLinks) {
      res.status(404).json({ code: 'not_found', message: 'demo mode is off' });

      return;
    }

    res.set('Cache-Control', 'no-store').json(deps.demoLinks(deps.publicUrl ?? baseUrlOf(req)));
  });

  const bearer = requireBearer(deps.tokens, deps.scheduling.sessions);

  // The same claims for a while longer; a token that has expired, or a session at its longest,
  // is refused with `unauthorized`.
  app.post('/api/token/renew', bearer, (req: AuthedRequest, res, next) => {
    try {
      const { token, exp } = deps.tokens.renew(req.token!);

      res
        .set('Cache-Control', 'no-store')
        .json({ token, expiresAt: new Date(exp * 1000).toISOString() });
    } catch (error) {
      next(error);
    }
  });

  app.get('/api/careplans/:planId', bearer, async (req: AuthedRequest, res, next) => {
    try {
      const planId = z.string().min(1).max(64).parse(req.params.planId);
      const opened = await deps.carePlans.open(req.token!, planId);

      res.set('Cache-Control', 'no-store').json(opened);
    } catch (error) {
      next(error);
    }
  });

  app.post('/api/careplans/:planId/operations', bearer, async (req: AuthedRequest, res, next) => {
    try {
      const request = applyPlanOperationSchema.parse({ ...req.body, planId: req.params.planId });
      const result = await deps.carePlans.apply(req.token!, request);

      if (!result.replayed) {
        deps.onPlanChanged({ planId: request.planId, applied: result.applied });
      }
      res.status(result.replayed ? 200 : 201).json(result.applied);
    } catch (error) {
      next(error);
    }
  });

  app.use(
    '/api/worklist',
    createWorklistRouter({
      ...deps,
      sessions: deps.scheduling.sessions,
      worklist: deps.scheduling.worklist,
    }),
  );
  app.use(
    '/api',
    createSchedulingRouter({ ...deps, baseUrl: (req) => deps.publicUrl ?? ownBaseUrl(req) }),
  );

  app.use('/api', (_req, res) => {
    res.status(404).json({ code: 'not_found', message: 'no such API route' });
  });

  serveWebClient(app, deps.webDistDir, deps.log);
  app.use(errorHandler(deps.log));

  return app;
}

function serveWebClient(app: express.Express, distDir: string, log: Logger): void {
  const index = path.join(distDir, 'index.html');

  if (!existsSync(index)) {
    log.warn('the web client is not built; only the API is served');

    return;
  }

  const sendPrecompressed = precompressedSender(distDir);
  const assets = path.join(distDir, 'assets');

  app.use('/assets', (req, res, next) => {
    res.set('Cache-Control', 'public, max-age=31536000, immutable');
    if (!sendPrecompressed(req, res, path.join(assets, req.path))) next();
  });
  app.use('/assets', express.static(assets, { immutable: true, maxAge: '365d', index: false }));
  app.use(express.static(distDir, { index: false, maxAge: 0 }));
  app.get(/^\/(m\/[^/]+\/?)?$/, (req, res) => {
    res.set('Cache-Control', 'no-cache');
    if (!sendPrecompressed(req, res, index)) res.sendFile(index);
  });
}

/**
 * Sends the build's Brotli or gzip copy of a file (made once by web-client/scripts/precompress.mjs)
 * to a browser that accepts it, so that nothing is compressed per request. Answers false, sending
 * nothing, when there is no such copy or the browser takes neither.
 */
function precompressedSender(distDir: string) {
  // Only files of the build are ever looked up, so a path from a request cannot reach outside it.
  const copies = new Set(
    readdirSync(distDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(br|gz)$/.test(file))
      .map((file) => path.join(distDir, file)),
  );

  return (req: Request, res: Response, file: string): boolean => {
    res.vary('Accept-Encoding');

    const encoding = req.acceptsEncodings('br', 'gzip');
    const copy = encoding ? `${file}.${encoding === 'br' ? 'br' : 'gz'}` : null;

    if (!copy || !copies.has(copy)) return false;

    res.type(path.extname(file)).set('Content-Encoding', encoding as string);
    res.sendFile(copy);

    return true;
  };
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self)',
    'Content-Security-Policy':
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; " +
      "media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  next();
}

function errorHandler(log: Logger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);

      return;
    }

    if (error instanceof z.ZodError) {
      res.status(400).json({ code: 'invalid_request', message: 'invalid request body' });

      return;
    }

    const parserStatus = bodyParserStatus(error);

    if (parserStatus !== null) {
      res.status(parserStatus).json({
        code: 'invalid_request',
        message:
          parserStatus === 413 ? 'the request body is too large' : 'the request is not well-formed',
      });

      return;
    }

    const body = toErrorBody(error, log);

    res.status(httpStatus(body.code)).json(body);
  };
}

/**
 * Express marks the errors it finds in a request itself (a body that is not JSON or too large, a
 * path that is not valid percent-encoding) with a 4xx status.
 */
function bodyParserStatus(error: unknown): number | null {
  if (error instanceof AppError || typeof error !== 'object' || error === null) return null;

  const { status } = error as { status?: unknown };

  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

/**
 * The address a request came to, for links handed back to it. Headers are the client's (or a
 * proxy's) to set, so only a plain host name and an http(s) scheme are taken from them.
 */
function baseUrlOf(req: Request): string {
  const protocol = req.protocol === 'https' ? 'https' : 'http';
  const host = req.get('host') ?? '';

  return /^(localhost|[a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?$/i.test(host)
    ? `${protocol}://${host}`
    : `${protocol}://localhost`;
}

/**
 * Where invitation links point when PUBLIC_URL is unset: this server as seen from its own host,
 * `http://localhost:<port>`. Never the Host header or X-Forwarded-Proto: a link is handed on to
 * others and kept, so a client (or anyone able to send a request) must not choose where it leads.
 * 'trust proxy' is 'loopback', so only a proxy on this host could set the scheme; a server behind
 * one sets PUBLIC_URL (a warning at start-up says so).
 */
function ownBaseUrl(req: Request): string {
  return `http://localhost:${req.socket.localPort ?? 80}`;
}
