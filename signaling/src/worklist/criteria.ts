import type {
  WorklistCandidateInput,
  WorklistCriterion,
  WorklistReason,
  WorklistThresholds,
} from '../protocol/index.ts';

/**
 * The thresholds used until an organisation sets its own: people of 75 or more, with three or
 * more long-term conditions, two or more emergency admissions or ten or more days in hospital in
 * the last year; two of the four flag a person. Simple on purpose: each flag can be explained in
 * one sentence and checked against the record.
 */
export const DEFAULT_THRESHOLDS: WorklistThresholds = {
  minAge: 75,
  minLongTermConditions: 3,
  minEmergencyAdmissions: 2,
  minBedDays: 10,
  minCriteriaMet: 2,
  municipalities: [],
};

export interface Assessment {
  flagged: boolean;
  inServedMunicipality: boolean;
  reasons: WorklistReason[];
}

const CRITERIA: {
  criterion: WorklistCriterion;
  value: (c: WorklistCandidateInput) => number;
  threshold: (t: WorklistThresholds) => number;
  words: string;
}[] = [
  { criterion: 'age', value: (c) => c.age, threshold: (t) => t.minAge, words: 'age' },
  {
    criterion: 'longTermConditions',
    value: (c) => c.longTermConditions,
    threshold: (t) => t.minLongTermConditions,
    words: 'long-term conditions',
  },
  {
    criterion: 'emergencyAdmissions',
    value: (c) => c.emergencyAdmissions12m,
    threshold: (t) => t.minEmergencyAdmissions,
    words: 'emergency admissions in the last 12 months',
  },
  {
    criterion: 'bedDays',
    value: (c) => c.bedDays12m,
    threshold: (t) => t.minBedDays,
    words: 'days in hospital in the last 12 months',
  },
];

/**
 * Whether a person is flagged, and why: each criterion met, with the person's value and the
 * threshold. A person is flagged when they live in a municipality served (or none are listed)
 * and meet at least `minCriteriaMet` criteria.
 */
export function assess(
  candidate: WorklistCandidateInput,
  thresholds: WorklistThresholds,
): Assessment {
  const reasons = CRITERIA.filter((c) => c.value(candidate) >= c.threshold(thresholds)).map(
    (c) => ({
      criterion: c.criterion,
      value: c.value(candidate),
      threshold: c.threshold(thresholds),
      explanation: `${c.words} ${c.value(candidate)} is at least ${c.threshold(thresholds)}`,
    }),
  );
  const served = thresholds.municipalities.map(normalise);
  const inServedMunicipality =
    served.length === 0 || served.includes(normalise(candidate.municipality));

  return {
    flagged: inServedMunicipality && reasons.length >= thresholds.minCriteriaMet,
    inServedMunicipality,
    reasons,
  };
}

/** "Fjellvik", " fjellvik " and "FJELLVIK" are one municipality. */
function normalise(municipality: string): string {
  return municipality.trim().toLocaleLowerCase('nb');
}
