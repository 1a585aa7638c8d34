import express from 'express';

import type { TokenService } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import { requireBearer, route } from '../http/bearer.ts';
import type { LinkSessions } from '../scheduling/LinkSessions.ts';
import { worklistCandidateInputSchema, worklistThresholdsSchema } from '../protocol/index.ts';
import { decodeCsv } from './csv.ts';
import type { WorklistService } from './WorklistService.ts';

/** A file of 5,000 rows of the worklist's columns stays well under this. */
const CSV_LIMIT = '1mb';

/** The coordinator's worklist, mounted at `/api/worklist`; see protocol/scheduling.ts. */
export function createWorklistRouter(deps: {
  tokens: TokenService;
  sessions: LinkSessions;
  worklist: WorklistService;
}): express.Router {
  const router = express.Router();
  const { worklist } = deps;

  router.use(requireBearer(deps.tokens, deps.sessions));

  router.get(
    '/',
    route(async (req, res) => {
      res.set('Cache-Control', 'no-store').json(await worklist.list(req.token!));
    }),
  );

  router.put(
    '/thresholds',
    route(async (req, res) => {
      const thresholds = worklistThresholdsSchema.parse(req.body);

      res
        .set('Cache-Control', 'no-store')
        .json(await worklist.setThresholds(req.token!, thresholds));
    }),
  );

  router.post(
    '/candidates',
    route(async (req, res) => {
      const candidate = worklistCandidateInputSchema.parse(req.body);

      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json(await worklist.enter(req.token!, candidate));
    }),
  );

  router.post(
    '/import',
    // The bytes as sent: a charset the client names is not trusted, as Excel's files are often
    // Windows-1252 sent as UTF-8; decodeCsv tells them apart.
    express.raw({ type: ['text/csv', 'text/plain'], limit: CSV_LIMIT }),
    route(async (req, res) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new AppError('invalid_request', 'send the file as text/csv');
      }

      res
        .set('Cache-Control', 'no-store')
        .json(await worklist.importCsv(req.token!, decodeCsv(req.body)));
    }),
  );

  return router;
}
