import type { NextFunction, Request, Response } from 'express';

import type { TokenService, VerifiedToken } from '../auth/tokens.ts';
import type { LinkSessions } from '../scheduling/LinkSessions.ts';

export type AuthedRequest = Request & { token?: VerifiedToken };

/**
 * Middleware that admits a request with a valid `Authorization: Bearer <token>`, else 401. A
 * token from a personal link that has since been reissued, or whose meeting was cancelled, is
 * refused too.
 */
export function requireBearer(tokens: TokenService, sessions: LinkSessions) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    const match = /^bearer (.+)$/i.exec(req.get('authorization') ?? '');
    const refuse = (error: unknown) => {
      res.set('WWW-Authenticate', 'Bearer');
      next(error);
    };

    try {
      const token = tokens.verify(match?.[1]);

      sessions.assertLive(token).then(() => {
        req.token = token;
        next();
      }, refuse);
    } catch (error) {
      refuse(error);
    }
  };
}

/** Wraps an async handler so that what it throws reaches the error handler. */
export function route(handler: (req: AuthedRequest, res: Response) => Promise<void>) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}
