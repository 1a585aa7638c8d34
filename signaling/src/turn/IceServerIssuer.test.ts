import { describe, expect, it } from 'vitest';

import { IceServerIssuer, turnRestCredentials } from './IceServerIssuer.ts';

const SECRET = 'a-secret-shared-with-coturn-0123456789abcdef';
const PEER_ID = '0b7e4c1e-5d2a-4f8e-9c11-3a6f2b8d7e10';
/** 2023-11-14T22:13:20Z, in seconds since the epoch. */
const NOW = 1_700_000_000;

describe('TURN REST credentials', () => {
  it('are the expiry and an opaque id as username, and the HMAC-SHA1 of it in base64', () => {
    // The expected value was computed apart from this code, with
    // `echo -n "$username" | openssl dgst -sha1 -hmac "$secret" -binary | base64`.
    expect(turnRestCredentials(SECRET, PEER_ID, NOW)).toEqual({
      username: `1700000000:${PEER_ID}`,
      credential: 'hcOd5Si8dL81L27fUzvorNRNxuM=',
    });
  });

  it('refuse an id with a colon, which would blur where the expiry ends', () => {
    expect(() => turnRestCredentials(SECRET, 'person:astrid', NOW)).toThrow(/colon/);
  });
});

describe('IceServerIssuer', () => {
  const turn = {
    urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:443?transport=tcp'],
    secret: SECRET,
    ttlSeconds: 3600,
    forceRelay: false,
  };

  it('hands out every TURN URL with credentials that expire the configured time from now', () => {
    const reply = new IceServerIssuer(turn).issue(PEER_ID, NOW * 1000 + 400);

    expect(reply).toEqual({
      iceServers: [
        {
          urls: turn.urls,
          username: `1700003600:${PEER_ID}`,
          credential: 'FzrBZn05nmCIN8krkELNkeodxvk=',
        },
      ],
      iceTransportPolicy: 'all',
      expiresAt: '2023-11-14T23:13:20.000Z',
      ttlSeconds: 3600,
    });
  });

  it('hands out shorter-lived credentials when asked, but never longer-lived ones', () => {
    const issuer = new IceServerIssuer(turn);

    expect(issuer.issue(PEER_ID, NOW * 1000, 60)).toMatchObject({
      iceServers: [{ username: `1700000060:${PEER_ID}` }],
      ttlSeconds: 60,
    });
    expect(issuer.issue(PEER_ID, NOW * 1000, 7200).ttlSeconds).toBe(3600);
  });

  it('asks clients to relay everything when relay is forced', () => {
    const reply = new IceServerIssuer({ ...turn, forceRelay: true }).issue(PEER_ID, NOW * 1000);

    expect(reply.iceTransportPolicy).toBe('relay');
  });

  it('hands out no servers and no expiry without TURN', () => {
    expect(new IceServerIssuer(null).issue(PEER_ID)).toEqual({
      iceServers: [],
      iceTransportPolicy: 'all',
      expiresAt: null,
      ttlSeconds: null,
    });
  });
});
