import type { CarePlan, PlanOperation } from '@teamrom/signaling/protocol';
import { reduce } from '@teamrom/signaling/protocol';

/**
 * The base version to send a pending change with, once this client's own earlier changes have
 * been acknowledged. The author made the change on top of their own earlier ones, so those are no
 * conflict: the base moves up to the newest version this client wrote. It stays where it was if
 * anyone else changed a field the change writes after the author's base, since the author never
 * saw that: the server then refuses the change with the current value instead of overwriting it.
 *
 * `plan` must hold every version in `ownVersions`.
 */
export function rebasedVersion(
  plan: CarePlan,
  operation: PlanOperation,
  baseVersion: number,
  ownVersions: ReadonlySet<number>,
): number {
  const newestOwn = Math.max(0, ...[...ownVersions].filter((v) => v <= plan.version));

  if (newestOwn <= baseVersion) return baseVersion;

  const fields = writtenFields(plan, operation);

  if (!fields) return baseVersion;

  const isSeen = (version: number) => version <= baseVersion || ownVersions.has(version);

  return fields.every((field) => isSeen(plan.changed[field] ?? 0)) ? newestOwn : baseVersion;
}

/** The field paths an operation writes, as the reducer records them; null if it does not apply. */
function writtenFields(plan: CarePlan, operation: PlanOperation): string[] | null {
  const version = plan.version + 1;

  try {
    const next = reduce(plan, operation, { version, authorId: '', appliedAt: '' });

    return Object.keys(next.changed).filter((field) => next.changed[field] === version);
  } catch {
    // Refers to something the plan no longer holds: the server refuses it whatever its base.
    return null;
  }
}
