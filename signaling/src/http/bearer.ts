import type { NextFunction, Request, Response } from 'express';

import type { TokenService, VerifiedToken } from '../auth/tokens.ts';

export type AuthedRequest = Request & { token?: VerifiedToken };

/** Middleware that admits a request with a valid `Authorization: Bearer <token>`, else 401. */
export function requireBearer(tokens: TokenService) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    const match = /^bearer (.+)$/i.exec(req.get('authorization') ?? '');

    try {
      req.token = tokens.verify(match?.[1]);
      next();
    } catch (error) {
      res.set('WWW-Authenticate', 'Bearer');
      next(error);
    }
  };
}

/** Wraps an async handler so that what it throws reaches the error handler. */
export function route(handler: (req: AuthedRequest, res: Response) => Promise<void>) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}
