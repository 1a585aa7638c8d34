import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import jwt from 'jsonwebtoken';

import { AppError } from '../errors.ts';
import type { TokenClaims } from '../protocol/index.ts';
import { PARTICIPANT_ROLES } from '../protocol/index.ts';

const ALGORITHM = 'HS256';
const ISSUER = 'teamrom';

export interface VerifiedToken extends TokenClaims {
  /** Expiry, seconds since the epoch. */
  exp: number;
  /**
   * When the person was given access (the link's token was signed), seconds since the epoch.
   * Renewals carry it over unchanged, so that no chain of them outlives the longest session.
   */
  authTime: number;
}

export interface TokenOptions {
  /**
   * Whether tokens of demo links are accepted. Default: true. Off when demo mode is off, so that
   * links handed out by a demo keep no power afterwards.
   */
  acceptsDemo?: boolean;
  /** Lifetime of a renewed token, in seconds. Default: one hour. */
  renewedSeconds?: number;
  /** How long renewals can keep a person's access going after authTime, in seconds. Default: 12 h. */
  maxSessionSeconds?: number;
}

const DEFAULT_RENEWED_SECONDS = 60 * 60;
const DEFAULT_MAX_SESSION_SECONDS = 12 * 60 * 60;

/** Signs and verifies Teamrom's access tokens. */
export class TokenService {
  readonly #secret: string;
  readonly #acceptsDemo: boolean;
  readonly #renewedSeconds: number;
  readonly #maxSessionSeconds: number;

  constructor(secret: string, options: TokenOptions = {}) {
    if (secret.length < 32) throw new Error('the token secret must be at least 32 characters');
    this.#secret = secret;
    this.#acceptsDemo = options.acceptsDemo ?? true;
    this.#renewedSeconds = options.renewedSeconds ?? DEFAULT_RENEWED_SECONDS;
    this.#maxSessionSeconds = options.maxSessionSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  }

  /**
   * The configured secret, or one generated on first start and kept in dataDir, so that links
   * stay valid across restarts of a single-machine installation.
   */
  static async fromConfig(
    secret: string | undefined,
    dataDir: string,
    options: TokenOptions = {},
  ): Promise<TokenService> {
    if (secret) return new TokenService(secret, options);

    const file = path.join(dataDir, 'token-secret');

    try {
      return TokenService.#fromFile((await readFile(file, 'utf8')).trim(), file, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }

    const generated = randomBytes(48).toString('base64url');

    await mkdir(dataDir, { recursive: true });
    await writeFile(file, generated + '\n', { mode: 0o600, flag: 'wx' }).catch(async (error) => {
      // Another process created it first; use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });

    return TokenService.#fromFile((await readFile(file, 'utf8')).trim(), file, options);
  }

  static #fromFile(secret: string, file: string, options: TokenOptions): TokenService {
    if (secret.length < 32) {
      throw new Error(`${file} holds no usable token secret; remove it to have a new one made`);
    }

    return new TokenService(secret, options);
  }

  sign(claims: TokenClaims, expiresInSeconds: number): string {
    return jwt.sign({ ...claims }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      expiresIn: expiresInSeconds,
    });
  }

  /**
   * A fresh token with exactly the claims of `current`, which verify() has accepted: the same
   * person, role, meeting, link and demo mark, and the same authTime. It lasts `renewedSeconds`, but
   * never past authTime + `maxSessionSeconds`; once it can last no longer than `current`,
   * renewal is refused with `unauthorized` and only a fresh link lets the person in again.
   */
  renew(current: VerifiedToken): { token: string; exp: number } {
    const now = Math.floor(Date.now() / 1000);
    const sessionEnd = current.authTime + this.#maxSessionSeconds;
    const exp = Math.min(now + this.#renewedSeconds, sessionEnd);

    // Checked again here: a connection's token was verified when it arrived, maybe long ago.
    if (current.exp <= now) throw new AppError('unauthorized', 'the access token has expired');
    // Near the end of the session a renewed token would not outlive the current one: refused, or
    // a client would renew over and over for nothing.
    if (exp <= now || (exp === sessionEnd && exp <= current.exp)) {
      throw new AppError('unauthorized', 'the session has reached its longest allowed length');
    }

    // Built from the verified claims one by one: nothing else the presented token held is copied.
    const claims = {
      sub: current.sub,
      role: current.role,
      ...(current.meetingId !== undefined ? { meetingId: current.meetingId } : {}),
      ...(current.demo ? { demo: true } : {}),
      ...(current.linkId !== undefined ? { linkId: current.linkId } : {}),
      auth_time: current.authTime,
      exp,
    };

    return { token: jwt.sign(claims, this.#secret, { algorithm: ALGORITHM, issuer: ISSUER }), exp };
  }

  /** Throws `unauthorized` for a missing, malformed, forged or expired token. */
  verify(token: unknown): VerifiedToken {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new AppError('unauthorized', 'a valid access token is required');
    }

    let payload: unknown;

    try {
      payload = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;

      throw new AppError(
        'unauthorized',
        expired ? 'the access token has expired' : 'the access token is not valid',
      );
    }

    const claims = payload as Partial<
      TokenClaims & { exp: number; iat: number; auth_time: number }
    >;
    // A link's token starts the session when it is signed; a renewed one says when that was.
    const authTime = claims.auth_time ?? claims.iat;

    if (
      typeof claims.sub !== 'string' ||
      claims.sub.length === 0 ||
      typeof claims.exp !== 'number' ||
      typeof authTime !== 'number' ||
      !PARTICIPANT_ROLES.includes(claims.role as never) ||
      (claims.meetingId !== undefined &&
        (typeof claims.meetingId !== 'string' || claims.meetingId.length === 0)) ||
      (claims.demo !== undefined && claims.demo !== true) ||
      (claims.linkId !== undefined &&
        (typeof claims.linkId !== 'string' ||
          claims.linkId.length === 0 ||
          claims.linkId.length > 64))
    ) {
      throw new AppError('unauthorized', 'the access token is not valid');
    }
    if (claims.demo && !this.#acceptsDemo) {
      throw new AppError('unauthorized', 'demo links are not accepted here');
    }

    return {
      sub: claims.sub,
      role: claims.role as VerifiedToken['role'],
      exp: claims.exp,
      authTime,
      ...(claims.meetingId !== undefined ? { meetingId: claims.meetingId } : {}),
      ...(claims.demo ? { demo: true as const } : {}),
      ...(claims.linkId !== undefined ? { linkId: claims.linkId } : {}),
    };
  }
}
