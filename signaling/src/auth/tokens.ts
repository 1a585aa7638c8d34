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
}

/** Signs and verifies Teamrom's access tokens. */
export class TokenService {
  readonly #secret: string;
  readonly #acceptsDemo: boolean;

  /**
   * @param options.acceptsDemo Whether tokens of demo links are accepted. Default: true. Off
   *   when demo mode is off, so that links handed out by a demo keep no power afterwards.
   */
  constructor(secret: string, options: { acceptsDemo?: boolean } = {}) {
    if (secret.length < 32) throw new Error('the token secret must be at least 32 characters');
    this.#secret = secret;
    this.#acceptsDemo = options.acceptsDemo ?? true;
  }

  /**
   * The configured secret, or one generated on first start and kept in dataDir, so that links
   * stay valid across restarts of a single-machine installation.
   */
  static async fromConfig(
    secret: string | undefined,
    dataDir: string,
    options: { acceptsDemo?: boolean } = {},
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

  static #fromFile(secret: string, file: string, options: { acceptsDemo?: boolean }): TokenService {
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

    const claims = payload as Partial<VerifiedToken>;

    if (
      typeof claims.sub !== 'string' ||
      claims.sub.length === 0 ||
      typeof claims.exp !== 'number' ||
      !PARTICIPANT_ROLES.includes(claims.role as never) ||
      (claims.meetingId !== undefined &&
        (typeof claims.meetingId !== 'string' || claims.meetingId.length === 0)) ||
      (claims.demo !== undefined && claims.demo !== true)
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
      ...(claims.meetingId !== undefined ? { meetingId: claims.meetingId } : {}),
      ...(claims.demo ? { demo: true as const } : {}),
    };
  }
}
