import { useTranslation } from 'react-i18next';

import { responsibleOptions } from '../../carePlan/directory.ts';
import { usePlan } from './PlanContext.tsx';

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
}

/** Who is responsible: an organisation or a person of the care team, by name. */
export function ResponsibleSelect({ id, value, onChange }: Props) {
  const { t } = useTranslation();
  const { directory } = usePlan();
  const options = responsibleOptions(directory);
  const organisations = options.filter((o) => o.value.startsWith('organisation:'));
  const persons = options.filter((o) => o.value.startsWith('person:'));

  return (
    <select id={id} name="responsible" value={value} onChange={(e) => onChange(e.target.value)}>
      {organisations.length > 0 && (
        <optgroup label={t('carePlan.organisations')}>
          {organisations.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      )}
      {persons.length > 0 && (
        <optgroup label={t('carePlan.persons')}>
          {persons.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      )}
    </select>
  );
}
