import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  ACTION_STATUSES,
  CONSENT_SCOPES,
  ERROR_CODES,
  GOAL_ACHIEVEMENT_STATUSES,
  GOAL_LIFECYCLE_STATUSES,
  GOAL_PRIORITIES,
  INDIVIDUAL_PLAN_PARTS,
  NOTE_KINDS,
  PARTICIPANT_ROLES,
  PLAN_SECTIONS,
  PLAN_STATUSES,
} from '@teamrom/signaling/protocol';
import en from './locales/en.json';
import nb from './locales/nb.json';

type Tree = { [key: string]: string | Tree };

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);

    if (statSync(file).isDirectory()) return sourceFiles(file);

    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [file] : [];
  });
}

const SRC = path.resolve(import.meta.dirname, '..');

describe('translations', () => {
  it('have the same keys in Norwegian Bokmål and English', () => {
    expect(keys(en as Tree).sort()).toEqual(keys(nb as Tree).sort());
  });

  it('give every plural both the singular and the plural form', () => {
    for (const [language, tree] of Object.entries({ nb, en })) {
      const all = new Set(keys(tree as Tree));
      const plurals = [...all].filter((key) => /_(one|other)$/.test(key));

      for (const key of plurals) {
        const base = key.replace(/_(one|other)$/, '');

        expect(all.has(`${base}_one`) && all.has(`${base}_other`), `${language}:${base}`).toBe(
          true,
        );
      }
    }
  });

  it('leave no string empty', () => {
    for (const [language, tree] of Object.entries({ nb, en })) {
      for (const key of keys(tree as Tree)) {
        const value = key.split('.').reduce<unknown>((t, k) => (t as Tree)[k], tree);

        expect((value as string).trim(), `${language}:${key}`).not.toBe('');
      }
    }
  });

  it('hold every key the client asks for by name', () => {
    // A plural key (`done_one`, `done_other`) is asked for by its base name with a count.
    const known = new Set(
      keys(nb as Tree).map((key) => key.replace(/_(zero|one|two|few|many|other)$/, '')),
    );
    const used = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([\w.]+)'/g)].map((m) => m[1]!),
    );

    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });

  it('name every role, error and ending the server can send', () => {
    const known = new Set(keys(nb as Tree));
    const needed = [
      ...PARTICIPANT_ROLES.map((role) => `role.${role}`),
      ...ERROR_CODES.map((code) => `errors.${code}`),
      'errors.timeout',
      ...['replaced', 'closed', 'removed'].map((reason) => `ended.${reason}`),
    ];

    expect(needed.filter((key) => !known.has(key))).toEqual([]);
  });

  it('name every code of the care plan, in the team’s words and in the patient’s', () => {
    const known = new Set(keys(nb as Tree));
    const needed = [
      ...PLAN_STATUSES.flatMap((s) => [`carePlan.status.${s}`, `carePlan.plain.status.${s}`]),
      ...PLAN_SECTIONS.map((s) => `carePlan.section.${s}`),
      ...PLAN_SECTIONS.filter((s) => s !== 'whatMatters').map((s) => `carePlan.plain.section.${s}`),
      ...GOAL_PRIORITIES.flatMap((p) => [`carePlan.priority.${p}`, `carePlan.plain.priority.${p}`]),
      ...GOAL_LIFECYCLE_STATUSES.map((s) => `carePlan.lifecycle.${s}`),
      ...GOAL_ACHIEVEMENT_STATUSES.map((s) => `carePlan.achievement.${s}`),
      ...ACTION_STATUSES.flatMap((s) => [
        `carePlan.actionStatus.${s}`,
        `carePlan.plain.actionStatus.${s}`,
      ]),
      ...NOTE_KINDS.map((k) => `carePlan.noteKind.${k}`),
      ...INDIVIDUAL_PLAN_PARTS.map((p) => `carePlan.individualPlan.part.${p}`),
      ...CONSENT_SCOPES.map((s) => `consent.scope.${s}`),
      ...['plan', 'history', 'consent', 'accessLog'].flatMap((v) => [
        `carePlan.views.${v}`,
        `carePlan.views.plain.${v}`,
      ]),
      ...['status', 'isIndividualPlan', 'periodStart', 'periodEnd', 'nextReview'].map(
        (f) => `carePlan.field.plan.${f}`,
      ),
      ...['description', 'priority', 'targetDate', 'lifecycleStatus', 'achievementStatus'].map(
        (f) => `carePlan.field.goal.${f}`,
      ),
      ...['description', 'responsible', 'goalId', 'dueDate', 'status'].map(
        (f) => `carePlan.field.action.${f}`,
      ),
      ...['forbidden', 'access_withdrawn', 'unauthorized', 'not_found', 'other'].map(
        (r) => `carePlan.notice.reason.${r}`,
      ),
      ...[
        'careplan_read',
        'careplan_write',
        'careplan_history',
        'consent_grant',
        'consent_withdraw',
        'fhir_read',
        'fhir_export',
        'fhir_import',
        'meeting_join',
        'meeting_leave',
        'other',
      ].map((a) => `accessLog.action.${a}`),
      ...['denied', 'conflict', 'error'].map((o) => `accessLog.outcome.${o}`),
    ];

    expect(needed.filter((key) => !known.has(key))).toEqual([]);
  });
});
