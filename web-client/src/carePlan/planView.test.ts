import { describe, expect, it } from 'vitest';

import { noteKindsFor } from './planView.ts';

describe('the kinds of note a reader may write', () => {
  it('lets the team write notes and decisions', () => {
    expect(noteKindsFor({ canEdit: true, canEditOwnWords: false })).toEqual(['note', 'decision']);
  });

  it('offers the patient notes only, never a decision', () => {
    expect(noteKindsFor({ canEdit: false, canEditOwnWords: true })).toEqual(['note']);
    // Even were the patient's access ever to say they may edit, a decision stays the team's.
    expect(noteKindsFor({ canEdit: true, canEditOwnWords: true })).toEqual(['note']);
  });

  it('offers nothing to someone who only reads', () => {
    expect(noteKindsFor({ canEdit: false, canEditOwnWords: false })).toEqual([]);
  });
});
