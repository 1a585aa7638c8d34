import { describe, expect, it } from 'vitest';

import { addressOfLink, meetingOfLink } from './linkMeeting.ts';

/** An unsigned token with these claims; the client never checks signatures. */
function tokenWith(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.signature`;
}

const linkToA = tokenWith({ sub: 'link:l1', role: 'relative', meetingId: 'meeting-a' });

describe('the meeting of a personal link', () => {
  it('is read from the link token', () => {
    expect(meetingOfLink(linkToA)).toBe('meeting-a');
  });

  it('is unknown for a link that is not a token', () => {
    expect(meetingOfLink('not-a-token')).toBeNull();
    expect(meetingOfLink(tokenWith({ sub: 'link:l1', role: 'relative' }))).toBeNull();
  });
});

describe('the address of a personal link', () => {
  it("moves a link opened under another meeting's address to its own meeting", () => {
    expect(addressOfLink('meeting-b', `#link=${linkToA}`)).toBe(`/m/meeting-a#link=${linkToA}`);
  });

  it('keeps the rest of the fragment', () => {
    expect(addressOfLink('meeting-b', `#link=${linkToA}&precheck=0`)).toBe(
      `/m/meeting-a#link=${linkToA}&precheck=0`,
    );
  });

  it('leaves a link under its own meeting where it is', () => {
    expect(addressOfLink('meeting-a', `#link=${linkToA}`)).toBeNull();
  });

  it('leaves addresses without a readable link alone', () => {
    expect(addressOfLink('meeting-b', '')).toBeNull();
    expect(addressOfLink('meeting-b', '#token=abc')).toBeNull();
    expect(addressOfLink('meeting-b', '#link=garbage')).toBeNull();
  });
});
