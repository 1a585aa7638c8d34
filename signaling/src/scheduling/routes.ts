import express from 'express';
import type { Request } from 'express';
import { z } from 'zod';

import type { TokenService } from '../auth/tokens.ts';
import type { AuthedRequest } from '../http/bearer.ts';
import { requireBearer, route } from '../http/bearer.ts';
import { openLinkSchema, respondByLinkSchema } from '../protocol/index.ts';
import type { SchedulingServices } from './services.ts';

const id = z.string().min(1).max(64);

/**
 * Invitations and personal links over HTTP, mounted at `/api` (see protocol/scheduling.ts for each
 * route): what needs a URL, a download, or no account.
 */
export function createSchedulingRouter(deps: {
  tokens: TokenService;
  scheduling: SchedulingServices;
  /** The address the request came to (`https://host`), for the links in invitations. */
  baseUrl: (req: Request) => string;
}): express.Router {
  const router = express.Router();
  const bearer = requireBearer(deps.tokens, deps.scheduling.sessions);
  const { invitations, links } = deps.scheduling;
  const params = (req: Request) =>
    z.object({ meetingId: id, personId: id.optional() }).parse(req.params);
  const sendCalendar = async (req: AuthedRequest, res: express.Response, personId: string) => {
    const { meetingId } = params(req);
    const file = await invitations.calendarFile(req.token!, meetingId, personId, deps.baseUrl(req));
    const method = /METHOD:(\w+)/.exec(file.body)?.[1] ?? 'REQUEST';

    // After attachment(), which sets a type of its own from the file name, dropping `method=`.
    res
      .set('Cache-Control', 'no-store')
      .attachment(file.filename)
      .type(`text/calendar; charset=utf-8; method=${method}`)
      .send(file.body);
  };

  router.get(
    '/meetings/:meetingId/invitations',
    bearer,
    route(async (req, res) => {
      const { meetingId } = params(req);

      res
        .set('Cache-Control', 'no-store')
        .json(await invitations.list(req.token!, meetingId, deps.baseUrl(req)));
    }),
  );

  router.get(
    '/meetings/:meetingId/invitations/:personId/invitation.ics',
    bearer,
    route((req, res) => sendCalendar(req, res, params(req).personId!)),
  );

  router.get(
    '/meetings/:meetingId/invitation.ics',
    bearer,
    route((req, res) => sendCalendar(req, res, req.token!.sub)),
  );

  router.post(
    '/meetings/:meetingId/invitations/:personId/reissue',
    bearer,
    route(async (req, res) => {
      const { meetingId, personId } = params(req);

      res
        .set('Cache-Control', 'no-store')
        .json(await invitations.reissue(req.token!, meetingId, personId!, deps.baseUrl(req)));
    }),
  );

  // No bearer token: the link itself is the credential.
  router.post(
    '/links/open',
    route(async (req, res) => {
      res.set('Cache-Control', 'no-store').json(await links.open(openLinkSchema.parse(req.body)));
    }),
  );

  router.post(
    '/links/respond',
    route(async (req, res) => {
      res
        .set('Cache-Control', 'no-store')
        .json(await links.respond(respondByLinkSchema.parse(req.body)));
    }),
  );

  return router;
}
