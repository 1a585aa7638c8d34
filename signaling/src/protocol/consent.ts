import { z } from 'zod';

import { planDateSchema } from './careplan.ts';

export const CONSENT_SCOPES = ['individual_plan', 'share_care_plan'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

/**
 * What the patient has agreed to, as recorded by someone in their care. Sharing the plan with an
 * organisation outside the treating hospital, or with a relative, needs a `share_care_plan`
 * consent naming them; `individual_plan` is the consent to having an individual plan at all.
 */
export interface Consent {
  id: string;
  patientId: string;
  scope: ConsentScope;
  granteeOrganisationId: string | null;
  granteePersonId: string | null;
  /** Display name of the grantee, for the list. */
  granteeName: string | null;
  givenOn: string;
  recordedBy: string;
  recordedByName: string;
  recordedAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
}

const id = z.string().min(1).max(64);

export const grantConsentSchema = z
  .object({
    patientId: id,
    scope: z.enum(CONSENT_SCOPES),
    granteeOrganisationId: id.nullable().default(null),
    granteePersonId: id.nullable().default(null),
    givenOn: planDateSchema,
  })
  .refine(
    (c) =>
      c.scope === 'individual_plan'
        ? c.granteeOrganisationId === null && c.granteePersonId === null
        : (c.granteeOrganisationId === null) !== (c.granteePersonId === null),
    'sharing names exactly one organisation or person; consent to the plan names nobody',
  );
export type GrantConsent = z.infer<typeof grantConsentSchema>;

/** One access to a patient's plan, as the patient sees it in "Hvem har sett planen min". */
export interface AccessLogEntry {
  occurredAt: string;
  actorName: string | null;
  actorRole: string | null;
  organisation: string | null;
  action: string;
  outcome: 'success' | 'denied' | 'conflict' | 'error';
}
