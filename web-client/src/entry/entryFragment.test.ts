import { describe, expect, it } from 'vitest';

import { forgetEntryFragment, takeEntryFragment } from './entryFragment.ts';

describe('the fragment a meeting was opened with', () => {
  it('is found again by a second reading after the address bar was cleaned', () => {
    const first = takeEntryFragment('meeting-a', '#token=abc&precheck=0');
    // React threw the first render away; the address bar no longer has the fragment.
    const second = takeEntryFragment('meeting-a', '');

    expect(first.get('precheck')).toBe('0');
    expect(second.get('precheck')).toBe('0');
    expect(second.get('token')).toBe('abc');
    forgetEntryFragment('meeting-a');
  });

  it('is forgotten once the entry is shown, so that a later opening reads its own', () => {
    takeEntryFragment('meeting-a', '#token=abc&precheck=0');
    forgetEntryFragment('meeting-a');

    expect(takeEntryFragment('meeting-a', '').get('precheck')).toBeNull();
    expect(takeEntryFragment('meeting-a', '#link=xyz').get('link')).toBe('xyz');
    forgetEntryFragment('meeting-a');
  });

  it('is kept per meeting', () => {
    takeEntryFragment('meeting-a', '#precheck=0');

    expect(takeEntryFragment('meeting-b', '').get('precheck')).toBeNull();
    expect(takeEntryFragment('meeting-a', '').get('precheck')).toBe('0');
    forgetEntryFragment('meeting-a');
  });
});
