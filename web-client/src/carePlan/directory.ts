import type { PlanDirectory, Responsible } from '@teamrom/signaling/protocol';

/** A person's name from the plan's directory, or null when the directory does not know them. */
export function personName(directory: PlanDirectory, personId: string): string | null {
  return directory.persons[personId]?.name ?? null;
}

/** Who carries out an action, in words: a person with their organisation, or an organisation. */
export function responsibleName(directory: PlanDirectory, responsible: Responsible): string | null {
  if (responsible.kind === 'organisation') {
    return directory.organisations[responsible.id]?.name ?? null;
  }

  const person = directory.persons[responsible.id];

  if (!person) return null;

  return person.organisation ? `${person.name} (${person.organisation})` : person.name;
}

/** A responsible party as the value of a form control, and back. */
export function responsibleValue(responsible: Responsible): string {
  return `${responsible.kind}:${responsible.id}`;
}

export function parseResponsible(value: string): Responsible | null {
  const separator = value.indexOf(':');
  const kind = value.slice(0, separator);
  const id = value.slice(separator + 1);

  if (separator < 0 || !id) return null;
  if (kind === 'person' || kind === 'organisation') return { kind, id };

  return null;
}

export interface DirectoryOption {
  value: string;
  label: string;
}

/** Everyone who can be made responsible for an action: organisations first, then people. */
export function responsibleOptions(directory: PlanDirectory): DirectoryOption[] {
  const organisations = Object.entries(directory.organisations).map(([id, o]) => ({
    value: responsibleValue({ kind: 'organisation', id }),
    label: o.name,
  }));
  const persons = Object.keys(directory.persons).map((id) => ({
    value: responsibleValue({ kind: 'person', id }),
    label: responsibleName(directory, { kind: 'person', id }) ?? id,
  }));
  const byLabel = (a: DirectoryOption, b: DirectoryOption) => a.label.localeCompare(b.label, 'nb');

  return [...organisations.sort(byLabel), ...persons.sort(byLabel)];
}

/** The relatives in the directory, to whom the patient can agree to show the plan. */
export function relatives(directory: PlanDirectory): { id: string; name: string }[] {
  return Object.entries(directory.persons)
    .filter(([, p]) => p.role === 'relative')
    .map(([id, p]) => ({ id, name: p.name }));
}
