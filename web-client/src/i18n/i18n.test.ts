import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ERROR_CODES, PARTICIPANT_ROLES, RESPONSIBLE_PARTIES } from '@teamrom/signaling/protocol';
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

  it('leave no string empty', () => {
    for (const [language, tree] of Object.entries({ nb, en })) {
      for (const key of keys(tree as Tree)) {
        const value = key.split('.').reduce<unknown>((t, k) => (t as Tree)[k], tree);

        expect((value as string).trim(), `${language}:${key}`).not.toBe('');
      }
    }
  });

  it('hold every key the client asks for by name', () => {
    const known = new Set(keys(nb as Tree));
    const used = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([\w.]+)'/g)].map((m) => m[1]!),
    );

    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });

  it('name every role, responsible party, error and ending the server can send', () => {
    const known = new Set(keys(nb as Tree));
    const needed = [
      ...PARTICIPANT_ROLES.map((role) => `role.${role}`),
      ...RESPONSIBLE_PARTIES.map((party) => `carePlan.party.${party}`),
      ...ERROR_CODES.map((code) => `errors.${code}`),
      'errors.timeout',
      ...['replaced', 'closed', 'removed'].map((reason) => `ended.${reason}`),
    ];

    expect(needed.filter((key) => !known.has(key))).toEqual([]);
  });
});
