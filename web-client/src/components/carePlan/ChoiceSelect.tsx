import type { Ref } from 'react';

interface Props<T extends string> {
  id: string;
  value: T;
  choices: readonly T[];
  /** The translated name of a choice. */
  label: (choice: T) => string;
  onChange: (value: T) => void;
  ref?: Ref<HTMLSelectElement>;
}

/** Picks one of a fixed list of values, each shown by its translated name. */
export function ChoiceSelect<T extends string>(props: Props<T>) {
  const { id, value, choices, label, onChange, ref } = props;

  return (
    <select ref={ref} id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {label(choice)}
        </option>
      ))}
    </select>
  );
}
