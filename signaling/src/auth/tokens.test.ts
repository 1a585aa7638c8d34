import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AppError } from '../errors.ts';
import { TokenService } from './tokens.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const OTHER_SECRET = 'another-secret-that-is-long-enough-9876543210';

const tokens = new TokenService(SECRET);

/** The error verify() throws for `token`; fails the test if the token is accepted. */
function refusal(service: TokenService, token: unknown): AppError {
  try {
    service.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);

    return error as AppError;
  }

  throw new Error('the token was accepted');
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TokenService', () => {
  it('verifies a token it signed to the claims it was given', () => {
    const token = tokens.sign({ sub: 'person-ola', role: 'nurse', meetingId: 'demo' }, 600);

    const verified = tokens.verify(token);

    expect(verified).toEqual({
      sub: 'person-ola',
      role: 'nurse',
      meetingId: 'demo',
      exp: expect.any(Number),
      authTime: expect.any(Number),
    });
    expect(verified.authTime).toBeGreaterThanOrEqual(nowSeconds() - 1);
    expect(verified.exp).toBeGreaterThanOrEqual(nowSeconds() + 598);
    expect(verified.exp).toBeLessThanOrEqual(nowSeconds() + 600);
  });

  it('verifies a staff token without a meeting to claims without a meetingId', () => {
    const verified = tokens.verify(tokens.sign({ sub: 'person-kari', role: 'physician' }, 600));

    expect(verified).not.toHaveProperty('meetingId');
    expect(verified).toMatchObject({ sub: 'person-kari', role: 'physician' });
  });

  it('refuses a token signed with another secret', () => {
    const forged = new TokenService(OTHER_SECRET).sign({ sub: 'person-ola', role: 'nurse' }, 600);

    expect(refusal(tokens, forged)).toMatchObject({
      code: 'unauthorized',
      message: 'the access token is not valid',
    });
  });

  it('refuses an expired token and says so', () => {
    const expired = tokens.sign({ sub: 'person-ola', role: 'nurse' }, -10);

    expect(refusal(tokens, expired)).toMatchObject({
      code: 'unauthorized',
      message: 'the access token has expired',
    });
  });

  it("refuses an unsigned token with alg 'none'", () => {
    const claims = { sub: 'person-ola', role: 'nurse', iss: 'teamrom', exp: nowSeconds() + 600 };
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;

    expect(refusal(tokens, unsigned).code).toBe('unauthorized');
  });

  it('refuses a token signed with the right secret but another algorithm', () => {
    const hs512 = jwt.sign({ sub: 'person-ola', role: 'nurse' }, SECRET, {
      algorithm: 'HS512',
      issuer: 'teamrom',
      expiresIn: 600,
    });

    expect(refusal(tokens, hs512).code).toBe('unauthorized');
  });

  it('refuses a token from another issuer', () => {
    const foreign = jwt.sign({ sub: 'person-ola', role: 'nurse' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'someone-else',
      expiresIn: 600,
    });

    expect(refusal(tokens, foreign).code).toBe('unauthorized');
  });

  it('refuses a token that never expires', () => {
    const eternal = jwt.sign({ sub: 'person-ola', role: 'nurse' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'teamrom',
    });

    expect(refusal(tokens, eternal).code).toBe('unauthorized');
  });

  it('refuses a token with an unknown role', () => {
    const admin = jwt.sign({ sub: 'person-ola', role: 'admin' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'teamrom',
      expiresIn: 600,
    });

    expect(refusal(tokens, admin)).toMatchObject({
      code: 'unauthorized',
      message: 'the access token is not valid',
    });
  });

  it('refuses a token without a subject', () => {
    const anonymous = jwt.sign({ role: 'nurse' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'teamrom',
      expiresIn: 600,
    });

    expect(refusal(tokens, anonymous).code).toBe('unauthorized');
  });

  it('refuses a malformed token', () => {
    expect(refusal(tokens, 'not-a-token').code).toBe('unauthorized');
    expect(refusal(tokens, 'a.b.c').code).toBe('unauthorized');
  });

  it('refuses a missing token', () => {
    for (const missing of [undefined, null, '', 42, { token: 'x' }]) {
      expect(refusal(tokens, missing)).toMatchObject({
        code: 'unauthorized',
        message: 'a valid access token is required',
      });
    }
  });

  it('refuses an over-long token even when its signature is valid', () => {
    const long = tokens.sign(
      { sub: 'person-ola', role: 'nurse', meetingId: 'm'.repeat(4000) },
      600,
    );

    expect(long.length).toBeGreaterThan(4096);
    expect(refusal(tokens, long)).toMatchObject({
      code: 'unauthorized',
      message: 'a valid access token is required',
    });
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => new TokenService('x'.repeat(31))).toThrow(/at least 32 characters/);
    expect(() => new TokenService('x'.repeat(32))).not.toThrow();
  });
});

describe('renewal', () => {
  const HOUR = 60 * 60;
  const renewing = new TokenService(SECRET, { renewedSeconds: HOUR, maxSessionSeconds: 12 * HOUR });

  /** A token signed as Teamrom does, with the claims given. */
  const signed = (claims: object) =>
    jwt.sign({ iat: nowSeconds(), ...claims }, SECRET, { algorithm: 'HS256', issuer: 'teamrom' });

  /** The error renew() throws for `token`; fails the test if it renews. */
  function renewalRefusal(token: string): AppError {
    try {
      renewing.renew(renewing.verify(token));
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);

      return error as AppError;
    }

    throw new Error('the token was renewed');
  }

  it('gives a fresh token with exactly the same claims, for the renewed lifetime', () => {
    const link = renewing.sign(
      { sub: 'person-kari', role: 'coordinator', meetingId: 'demo', demo: true },
      300,
    );
    const before = renewing.verify(link);

    const renewed = renewing.renew(before);
    const after = renewing.verify(renewed.token);

    expect(after).toEqual({ ...before, exp: renewed.exp });
    expect(renewed.exp).toBeGreaterThanOrEqual(nowSeconds() + HOUR - 1);
    expect(renewed.exp).toBeLessThanOrEqual(nowSeconds() + HOUR);
  });

  it('copies no claim beyond the person, role, meeting and demo mark', () => {
    const link = signed({
      sub: 'person-ola',
      role: 'nurse',
      scope: 'admin',
      exp: nowSeconds() + 60,
    });

    const renewed = renewing.renew(renewing.verify(link));

    expect(Object.keys(jwt.decode(renewed.token) as object).sort()).toEqual(
      ['sub', 'role', 'auth_time', 'exp', 'iat', 'iss'].sort(),
    );
  });

  it('keeps the time access was first given through a chain of renewals', () => {
    const authTime = nowSeconds() - 3 * HOUR;
    let token = signed({
      sub: 'person-ola',
      role: 'nurse',
      auth_time: authTime,
      exp: nowSeconds() + 60,
    });

    for (let i = 0; i < 3; i++) token = renewing.renew(renewing.verify(token)).token;

    expect(renewing.verify(token).authTime).toBe(authTime);
    expect(jwt.decode(token)).toMatchObject({ auth_time: authTime });
  });

  it('refuses a renewal that would not outlive the token in hand', () => {
    const token = signed({
      sub: 'person-ola',
      role: 'nurse',
      auth_time: nowSeconds() - 12 * HOUR + 600,
      exp: nowSeconds() + 600,
    });

    expect(renewalRefusal(token)).toMatchObject({
      code: 'unauthorized',
      message: 'the session has reached its longest allowed length',
    });
  });

  it('ends a renewed token no later than the longest session allows', () => {
    const authTime = nowSeconds() - 12 * HOUR + 600;
    const token = signed({
      sub: 'person-ola',
      role: 'nurse',
      auth_time: authTime,
      exp: nowSeconds() + 60,
    });

    expect(renewing.renew(renewing.verify(token)).exp).toBe(authTime + 12 * HOUR);
  });

  it('counts the longest session from when the link was signed', () => {
    const link = signed({
      sub: 'person-ola',
      role: 'nurse',
      iat: nowSeconds() - 12 * HOUR - 1,
      exp: nowSeconds() + 600,
    });

    expect(renewalRefusal(link)).toMatchObject({
      code: 'unauthorized',
      message: 'the session has reached its longest allowed length',
    });
  });

  it('refuses once the longest session is over, even with time left on the token', () => {
    const token = signed({
      sub: 'person-ola',
      role: 'nurse',
      auth_time: nowSeconds() - 12 * HOUR,
      exp: nowSeconds() + 600,
    });

    expect(renewalRefusal(token)).toMatchObject({
      code: 'unauthorized',
      message: 'the session has reached its longest allowed length',
    });
  });

  it('refuses a token that expired after it was verified', () => {
    const verified = renewing.verify(renewing.sign({ sub: 'person-ola', role: 'nurse' }, 60));

    expect(() => renewing.renew({ ...verified, exp: nowSeconds() })).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: 'the access token has expired' }),
    );
  });

  it('refuses, as not valid, a token that does not say when access was given', () => {
    const timeless = jwt.sign({ sub: 'person-ola', role: 'nurse' }, SECRET, {
      algorithm: 'HS256',
      issuer: 'teamrom',
      expiresIn: 600,
      noTimestamp: true,
    });
    const garbled = signed({
      sub: 'person-ola',
      role: 'nurse',
      auth_time: 'yesterday',
      exp: nowSeconds() + 60,
    });

    expect(refusal(renewing, timeless).code).toBe('unauthorized');
    expect(refusal(renewing, garbled).code).toBe('unauthorized');
  });
});

describe('demo links', () => {
  const demoToken = tokens.sign({ sub: 'person-kari', role: 'coordinator', demo: true }, 600);

  it('are accepted, and say so, while demo mode is on', () => {
    expect(tokens.verify(demoToken)).toMatchObject({ sub: 'person-kari', demo: true });
  });

  it('are refused once demo mode is off, while other tokens still pass', () => {
    const production = new TokenService(SECRET, { acceptsDemo: false });

    expect(() => production.verify(demoToken)).toThrow(
      expect.objectContaining({
        code: 'unauthorized',
        message: 'demo links are not accepted here',
      }),
    );
    expect(
      production.verify(tokens.sign({ sub: 'person-kari', role: 'coordinator' }, 600)).sub,
    ).toBe('person-kari');
  });
});

describe('TokenService.fromConfig', () => {
  let tmp: string;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'teamrom-tokens-'));
  });

  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('uses the configured secret and writes nothing', async () => {
    const dataDir = path.join(tmp, 'data');
    const service = await TokenService.fromConfig(SECRET, dataDir);

    expect(service.verify(tokens.sign({ sub: 'person-ola', role: 'nurse' }, 60)).sub).toBe(
      'person-ola',
    );
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('generates a secret in dataDir on first start and reuses it on the next', async () => {
    const dataDir = path.join(tmp, 'data');

    const first = await TokenService.fromConfig(undefined, dataDir);
    const second = await TokenService.fromConfig(undefined, dataDir);
    const secretFile = path.join(dataDir, 'token-secret');
    const token = first.sign({ sub: 'person-ola', role: 'nurse' }, 60);

    expect(second.verify(token).sub).toBe('person-ola');
    expect((await readFile(secretFile, 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
  });

  it('generates a different secret for another dataDir', async () => {
    const first = await TokenService.fromConfig(undefined, path.join(tmp, 'one'));
    const other = await TokenService.fromConfig(undefined, path.join(tmp, 'two'));

    const token = first.sign({ sub: 'person-ola', role: 'nurse' }, 60);

    expect(refusal(other, token).code).toBe('unauthorized');
  });
});
