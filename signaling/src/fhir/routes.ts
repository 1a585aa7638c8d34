import express from 'express';
import type { NextFunction, Request, Response } from 'express';

import { AuditLog } from '../audit/AuditLog.ts';
import { requireBearer } from '../http/bearer.ts';
import type { LinkSessions } from '../scheduling/LinkSessions.ts';
import type { TokenService, VerifiedToken } from '../auth/tokens.ts';
import type { CarePlanService } from '../careplan/CarePlanService.ts';
import type { Database } from '../db/index.ts';
import { AppError, httpStatus, toErrorBody } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PlanOperationApplied } from '../protocol/index.ts';
import { errorOutcome, informationOutcome, searchsetBundle } from './bundle.ts';
import { capabilityStatement } from './capability.ts';
import { FhirService, READABLE_TYPES } from './FhirService.ts';
import { isFhirId } from './references.ts';

export interface FhirDeps {
  db: Database;
  tokens: TokenService;
  sessions: LinkSessions;
  carePlans: CarePlanService;
  log: Logger;
  /** The address the request came to (`https://host`), for the full URLs in bundles. */
  baseUrl: (req: Request) => string;
  /** Called after each change an import makes, so that viewers of the plan see it. */
  onPlanChanged: (event: { planId: string; applied: PlanOperationApplied }) => void;
}

type AuthedRequest = Request & { token?: VerifiedToken };

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A larger limit than the rest of the API: an exported chart carries its whole audit trail. */
const BODY_LIMIT = '4mb';

/**
 * FHIR R4 for the care plan, mounted at `/fhir`:
 * - `GET /metadata`: what this server offers (no token needed);
 * - `GET /Patient`: a searchset of the patients the caller may read (`_id`, `identifier`);
 * - `GET /Patient/<id>/$everything`: the patient's chart as far as the caller may see it;
 * - `GET /<Type>/<id>`: one resource;
 * - `POST /CarePlan/$import`: creates or updates the patient's plan from a Bundle (a Teamrom
 *   operation; not the Bulk Data `$import`).
 * Every route but metadata takes the same bearer token as the rest of the API. Answers are
 * `application/fhir+json`, errors OperationOutcomes with our error code in their details.
 */
export function createFhirRouter(deps: FhirDeps): express.Router {
  const router = express.Router();
  const fhir = new FhirService({
    db: deps.db,
    audit: new AuditLog(deps.db, deps.log),
    carePlans: deps.carePlans,
    onPlanChanged: deps.onPlanChanged,
  });
  const base = (req: Request) => `${deps.baseUrl(req)}/fhir`;
  const send = (res: Response, status: number, body: unknown) => {
    res.status(status).set('Cache-Control', 'no-store').type(FHIR_JSON).send(JSON.stringify(body));
  };
  const route =
    (handler: (req: AuthedRequest, res: Response) => Promise<void>) =>
    (req: AuthedRequest, res: Response, next: NextFunction) => {
      handler(req, res).catch(next);
    };

  router.get('/metadata', (req, res) => {
    send(res, 200, capabilityStatement(base(req), READABLE_TYPES));
  });

  router.use(requireBearer(deps.tokens, deps.sessions));

  router.get(
    '/Patient',
    route(async (req, res) => {
      const id = single(req.query._id);
      const identifier = single(req.query.identifier);
      const patients = await fhir.searchPatients(req.token!, {
        ...(id !== undefined ? { id } : {}),
        ...(identifier !== undefined ? { identifier: tokenParts(identifier) } : {}),
      });
      const applied = new URLSearchParams({
        ...(id !== undefined ? { _id: id } : {}),
        ...(identifier !== undefined ? { identifier } : {}),
      }).toString();

      send(
        res,
        200,
        searchsetBundle(patients, {
          baseUrl: base(req),
          selfUrl: `${base(req)}/Patient${applied ? `?${applied}` : ''}`,
          timestamp: new Date().toISOString(),
        }),
      );
    }),
  );

  router.get(
    '/Patient/:id/:operation',
    route(async (req, res) => {
      const { id, operation } = req.params as { id: string; operation: string };

      if (operation !== '$everything' || !isFhirId(id)) {
        throw new AppError('not_found', 'no such operation on Patient');
      }

      const resources = await fhir.everything(req.token!, id);

      send(
        res,
        200,
        searchsetBundle(resources, {
          baseUrl: base(req),
          selfUrl: `${base(req)}/Patient/${id}/$everything`,
          timestamp: new Date().toISOString(),
          matches: 1,
        }),
      );
    }),
  );

  router.get(
    '/:type/:id',
    route(async (req, res) => {
      const { type, id } = req.params as { type: string; id: string };

      if (!READABLE_TYPES.includes(type)) {
        throw new AppError('not_found', 'Teamrom has no resources of this type');
      }
      if (!isFhirId(id)) throw new AppError('not_found', `no ${type} with this id`);

      send(res, 200, await fhir.read(req.token!, type, id));
    }),
  );

  // Bodies are read only once the caller is known: nobody else makes us parse megabytes.
  router.post(
    '/CarePlan/:operation',
    express.json({ type: ['application/fhir+json', 'application/json'], limit: BODY_LIMIT }),
    route(async (req, res) => {
      if (req.params.operation !== '$import') {
        throw new AppError('not_found', 'no such operation on CarePlan');
      }
      if (!req.is(['application/fhir+json', 'application/json'])) {
        throw new AppError('invalid_request', 'send the Bundle as application/fhir+json');
      }

      const result = await fhir.importBundle(req.token!, req.body);

      deps.log.info(
        { planId: result.planId, applied: result.applied, created: result.created },
        'care plan imported from FHIR',
      );
      const summary =
        result.applied === 0
          ? `CarePlan/${result.planId} already held this plan; nothing changed`
          : `applied ${result.applied} changes to CarePlan/${result.planId}; ` +
            `it is now at version ${result.version}`;

      res.set('Location', `${base(req)}/CarePlan/${result.planId}`);
      res.set('ETag', `W/"${result.version}"`);
      send(res, result.created ? 201 : 200, informationOutcome(summary, result.kept));
    }),
  );

  router.use((_req, _res, next) => {
    next(new AppError('not_found', 'no such FHIR route'));
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);

      return;
    }

    const { status, body } = outcomeFor(error, deps.log);

    send(res, status, body);
  });

  return router;
}

/** A query parameter given once, or undefined; repeated ones are refused. */
function single(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;

  throw new AppError('invalid_request', 'give each search parameter once');
}

/** A token search value: `system|value`, or a value in any system. */
function tokenParts(token: string): { system?: string; value: string } {
  const bar = token.indexOf('|');

  return bar <= 0
    ? { value: token.slice(bar + 1) }
    : { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

function outcomeFor(error: unknown, log: Logger) {
  if (error instanceof AppError) {
    const { expression } = (error.details ?? {}) as { expression?: string[] };

    return {
      status: httpStatus(error.code),
      body: errorOutcome(error.code, error.message, expression),
    };
  }

  // Express marks what it finds wrong in a request (a body that is not JSON or too large, a path
  // that is not valid percent-encoding) with a 4xx status.
  const { status } = (error ?? {}) as { status?: unknown };

  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      status,
      body: errorOutcome(
        'invalid_request',
        status === 413 ? 'the request body is too large' : 'the request is not well-formed',
      ),
    };
  }

  const body = toErrorBody(error, log);

  return { status: httpStatus(body.code), body: errorOutcome(body.code, body.message) };
}
