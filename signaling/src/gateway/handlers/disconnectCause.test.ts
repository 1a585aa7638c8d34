import { describe, expect, it } from 'vitest';

import { disconnectCause } from './meeting.ts';

describe('disconnectCause', () => {
  it('tells a message over the size limit apart from a lost network', () => {
    // What Socket.io reported when a client sent 400 KB against the 256 KB limit.
    const oversize = new Error('RangeError: Max payload size exceeded');

    expect(disconnectCause('transport error', oversize)).toBe('message_too_large');
    expect(disconnectCause('transport close', undefined)).toBe('network');
    expect(disconnectCause('ping timeout', undefined)).toBe('network');
    expect(disconnectCause('transport error', new Error('read ECONNRESET'))).toBe('network');
  });

  it('takes a WebSocket closed by its page for leaving, and one without a close frame for a lost network', () => {
    // A closed tab: the browser sends 1001 (going away).
    expect(disconnectCause('transport close', undefined, 1001)).toBe('left');
    expect(disconnectCause('transport close', undefined, 1000)).toBe('left');
    expect(disconnectCause('transport close', undefined, 1006)).toBe('network');
    expect(disconnectCause('ping timeout', undefined, null)).toBe('network');
  });

  it('names leaving and the server closing as such', () => {
    expect(disconnectCause('client namespace disconnect', undefined)).toBe('left');
    expect(disconnectCause('server namespace disconnect', undefined)).toBe('server');
    expect(disconnectCause('server shutting down', undefined)).toBe('server');
  });
});
