import type { ConsentScope, GrantConsent, PlanDirectory } from '@teamrom/signaling/protocol';
import { CONSENT_SCOPES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { today } from '../../carePlan/dates.ts';
import { parseResponsible, relatives } from '../../carePlan/directory.ts';

interface Props {
  directory: PlanDirectory;
  isBusy: boolean;
  isPlain: boolean;
  onGrant: (consent: Omit<GrantConsent, 'patientId'>) => Promise<boolean>;
}

/** Records a consent the patient gave: to an individual plan, or to show the plan to someone. */
export function ConsentForm({ directory, isBusy, isPlain, onGrant }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const [scope, setScope] = useState<ConsentScope>('share_care_plan');
  const [grantee, setGrantee] = useState('');
  const [givenOn, setGivenOn] = useState(today());
  const organisations = Object.entries(directory.organisations);
  const family = relatives(directory);

  const submit = async (event: FormEvent) => {
    event.preventDefault();

    const party = parseResponsible(grantee);

    if (scope === 'share_care_plan' && !party) return;

    const granted = await onGrant({
      scope,
      givenOn,
      granteeOrganisationId:
        scope === 'share_care_plan' && party?.kind === 'organisation' ? party.id : null,
      granteePersonId: scope === 'share_care_plan' && party?.kind === 'person' ? party.id : null,
    });

    if (granted) setGrantee('');
  };

  return (
    <form className="plan-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{isPlain ? t('consent.plain.record') : t('consent.record')}</h4>
      <label htmlFor={`${id}-scope`}>
        {isPlain ? t('consent.plain.scopeLabel') : t('consent.scopeLabel')}
      </label>
      <select
        id={`${id}-scope`}
        value={scope}
        onChange={(e) => setScope(e.target.value as ConsentScope)}
      >
        {CONSENT_SCOPES.map((s) => (
          <option key={s} value={s}>
            {t(`consent.scope.${s}`)}
          </option>
        ))}
      </select>
      {scope === 'share_care_plan' && (
        <>
          <label htmlFor={`${id}-grantee`}>{t('consent.grantee')}</label>
          <select
            id={`${id}-grantee`}
            required
            value={grantee}
            onChange={(e) => setGrantee(e.target.value)}
          >
            <option value="">{t('consent.chooseGrantee')}</option>
            {organisations.length > 0 && (
              <optgroup label={t('carePlan.organisations')}>
                {organisations.map(([orgId, o]) => (
                  <option key={orgId} value={`organisation:${orgId}`}>
                    {o.name}
                  </option>
                ))}
              </optgroup>
            )}
            {family.length > 0 && (
              <optgroup label={t('consent.relatives')}>
                {family.map((p) => (
                  <option key={p.id} value={`person:${p.id}`}>
                    {p.name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </>
      )}
      <label htmlFor={`${id}-date`}>{t('consent.givenOnLabel')}</label>
      <input
        id={`${id}-date`}
        type="date"
        required
        max={today()}
        value={givenOn}
        onChange={(e) => setGivenOn(e.target.value)}
      />
      <button type="submit" className="primary" disabled={isBusy}>
        {t('consent.recordButton')}
      </button>
    </form>
  );
}
