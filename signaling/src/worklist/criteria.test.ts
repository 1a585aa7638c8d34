import { describe, expect, it } from 'vitest';

import type { WorklistCandidateInput } from '../protocol/index.ts';
import { assess, DEFAULT_THRESHOLDS } from './criteria.ts';

const person = (overrides: Partial<WorklistCandidateInput> = {}): WorklistCandidateInput => ({
  reference: 'ref-1',
  name: 'Test Person',
  age: 70,
  longTermConditions: 1,
  emergencyAdmissions12m: 0,
  bedDays12m: 0,
  municipality: 'Fjellvik',
  ...overrides,
});

describe('flagging a person for a patient-centred team', () => {
  it('flags someone who meets two criteria, giving both as the reasons', () => {
    expect(assess(person({ age: 84, emergencyAdmissions12m: 3 }), DEFAULT_THRESHOLDS)).toEqual({
      flagged: true,
      inServedMunicipality: true,
      reasons: [
        { criterion: 'age', value: 84, threshold: 75, explanation: 'age 84 is at least 75' },
        {
          criterion: 'emergencyAdmissions',
          value: 3,
          threshold: 2,
          explanation: 'emergency admissions in the last 12 months 3 is at least 2',
        },
      ],
    });
  });

  it('does not flag someone who meets one criterion, but still says which', () => {
    const assessment = assess(person({ bedDays12m: 10 }), DEFAULT_THRESHOLDS);

    expect(assessment.flagged).toBe(false);
    expect(assessment.reasons.map((r) => r.criterion)).toEqual(['bedDays']);
  });

  it('counts a value equal to the threshold as met', () => {
    expect(assess(person({ age: 75, longTermConditions: 3 }), DEFAULT_THRESHOLDS).flagged).toBe(
      true,
    );
  });

  it('follows thresholds the organisation has set', () => {
    const strict = { ...DEFAULT_THRESHOLDS, minAge: 85, minCriteriaMet: 1 };

    expect(assess(person({ age: 84 }), strict).flagged).toBe(false);
    expect(assess(person({ age: 85 }), strict).flagged).toBe(true);
  });

  it('never flags someone outside the municipalities served, whatever else they meet', () => {
    const served = { ...DEFAULT_THRESHOLDS, municipalities: ['Fjellvik'] };
    const elsewhere = assess(
      person({ age: 90, longTermConditions: 5, municipality: 'Havbu' }),
      served,
    );

    expect(elsewhere).toMatchObject({ flagged: false, inServedMunicipality: false });
    expect(elsewhere.reasons).toHaveLength(2);
    expect(
      assess(person({ age: 90, longTermConditions: 5, municipality: ' FJELLVIK ' }), served)
        .flagged,
    ).toBe(true);
  });
});
