import type { WorklistCandidateInput, WorklistRowError } from '../protocol/index.ts';
import { WORKLIST_CSV_COLUMNS } from '../protocol/index.ts';
import type { CsvRecord } from './csv.ts';

/** Most rows one import may hold. */
export const MAX_IMPORT_ROWS = 5000;

type Column = (typeof WORKLIST_CSV_COLUMNS)[number];

// Control characters and bidirectional overrides could hide or reorder what others read.
const FORBIDDEN_CHARACTERS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const COLUMNS: Record<
  Column,
  { key: keyof WorklistCandidateInput; kind: 'text' | 'count'; max: number }
> = {
  reference: { key: 'reference', kind: 'text', max: 64 },
  name: { key: 'name', kind: 'text', max: 200 },
  age: { key: 'age', kind: 'count', max: 130 },
  long_term_conditions: { key: 'longTermConditions', kind: 'count', max: 50 },
  emergency_admissions_12m: { key: 'emergencyAdmissions12m', kind: 'count', max: 365 },
  bed_days_12m: { key: 'bedDays12m', kind: 'count', max: 366 },
  municipality: { key: 'municipality', kind: 'text', max: 100 },
};

export type RowsResult =
  | { ok: true; candidates: WorklistCandidateInput[] }
  /** `summary`: what is wrong with the file as a whole, when it is not its rows. */
  | { ok: false; errors: WorklistRowError[]; summary?: string };

/**
 * Text fields may not start like a spreadsheet formula: a later export opened in Excel would run
 * it (CSV injection). Refused rather than changed, so that what is stored is what was sent.
 */
const FORMULA_START = /^[=+\-@]/;

/**
 * The people in a worklist CSV file, or every error in it: each bad row with its line and what
 * is wrong with each of its fields, so that the whole file can be put right at once.
 */
export function candidatesFromCsv(records: CsvRecord[]): RowsResult {
  const [header, ...rows] = records;

  if (!header) return failed(1, null, 'the file is empty; the first line must name the columns');

  const names = header.fields.map((name) => name.trim().toLowerCase());
  const twice = [...new Set(names.filter((name, i) => name !== '' && names.indexOf(name) !== i))];

  if (twice.length > 0) {
    return {
      ok: false,
      summary: `the header names ${twice.join(', ')} more than once; nothing was imported`,
      errors: [
        {
          line: header.line,
          errors: twice.map((column) => ({ column, message: 'this column is named twice' })),
        },
      ],
    };
  }

  const missing = WORKLIST_CSV_COLUMNS.filter((column) => !names.includes(column));

  if (missing.length > 0) {
    return {
      ok: false,
      errors: [
        {
          line: header.line,
          errors: missing.map((column) => ({ column, message: 'this column is missing' })),
        },
      ],
    };
  }
  if (rows.length === 0) return failed(header.line, null, 'the file has no rows after the header');
  if (rows.length > MAX_IMPORT_ROWS) {
    return {
      ...failed(header.line, null, `a file can hold at most ${MAX_IMPORT_ROWS} rows`),
      summary: `too many rows (max ${MAX_IMPORT_ROWS}); nothing was imported`,
    } as RowsResult;
  }

  const candidates: WorklistCandidateInput[] = [];
  const errors: WorklistRowError[] = [];
  const seen = new Map<string, number>();

  for (const row of rows) {
    const rowErrors: WorklistRowError['errors'] = [];
    const candidate: Record<string, string | number> = {};

    if (row.fields.length !== names.length) {
      rowErrors.push({
        column: null,
        message: `the row has ${row.fields.length} fields; the header has ${names.length}`,
      });
    } else {
      for (const column of WORKLIST_CSV_COLUMNS) {
        const spec = COLUMNS[column];
        const raw = row.fields[names.indexOf(column)]!.trim();
        const problem = checkField(raw, spec.kind, spec.max);

        if (problem) rowErrors.push({ column, message: problem });
        else candidate[spec.key] = spec.kind === 'count' ? Number(raw) : raw;
      }
    }

    const reference = typeof candidate.reference === 'string' ? candidate.reference : null;

    if (reference !== null && seen.has(reference)) {
      rowErrors.push({
        column: 'reference',
        message: `the same reference is on line ${seen.get(reference)}`,
      });
    }
    if (reference !== null && !seen.has(reference)) seen.set(reference, row.line);

    if (rowErrors.length > 0) errors.push({ line: row.line, errors: rowErrors });
    else candidates.push(candidate as unknown as WorklistCandidateInput);
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, candidates };
}

function checkField(raw: string, kind: 'text' | 'count', max: number): string | null {
  if (raw === '') return 'this field is empty';
  if (kind === 'count') {
    if (!/^\d+$/.test(raw)) return `"${raw.slice(0, 20)}" is not a whole number`;
    if (Number(raw) > max) return `${raw} is more than ${max}`;

    return null;
  }
  if (FORBIDDEN_CHARACTERS.test(raw)) return 'this field holds control characters';
  if (FORMULA_START.test(raw)) {
    return 'a text field cannot start with =, +, - or @ (a spreadsheet would read a formula)';
  }
  if ([...raw].length > max) return `this field is longer than ${max} characters`;

  return null;
}

function failed(line: number, column: string | null, message: string): RowsResult {
  return { ok: false, errors: [{ line, errors: [{ column, message }] }] };
}
