interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
}

/** A calendar date, as the browser's date picker gives it (YYYY-MM-DD, or empty). */
export function DateInput({ id, value, onChange, required }: Props) {
  return (
    <input
      id={id}
      type="date"
      required={required}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
