import { useId } from 'react';
import type { FormEvent, ReactNode } from 'react';

interface Props {
  title: string;
  onSubmit: (event: FormEvent) => void;
  /** Added after `plan-form`. */
  className?: string;
  children: ReactNode;
}

/** A form of the care plan, named by its heading for screen readers. */
export function PlanForm({ title, onSubmit, className, children }: Props) {
  const titleId = useId();

  return (
    <form
      className={className ? `plan-form ${className}` : 'plan-form'}
      onSubmit={onSubmit}
      aria-labelledby={titleId}
    >
      <h4 id={titleId}>{title}</h4>
      {children}
    </form>
  );
}
