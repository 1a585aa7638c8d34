import type { WorklistRowError } from '@teamrom/signaling/protocol';

/** A translated message: an i18n key and its values. */
export interface Translated {
  key: string;
  values: Record<string, string>;
}

type RowProblem = WorklistRowError['errors'][number];

/*
 * NOTE: the server describes a bad CSV row in English only ({ column, message }, no code), so
 * its messages are recognised by their wording here; one it words otherwise is shown in English,
 * marked as such (see CsvImportForm). The wording is in signaling/src/worklist/candidateRows.ts.
 */
const KNOWN: [RegExp, string, string[]][] = [
  [/^this column is missing$/, 'missingColumn', []],
  [/^this field is empty$/, 'empty', []],
  [/^"(.*)" is not a whole number$/, 'notNumber', ['value']],
  [/^(\d+) is more than (\d+)$/, 'tooLarge', ['value', 'max']],
  [/^this column is named twice$/, 'namedTwice', []],
  [/^this field holds control characters$/, 'controlCharacters', []],
  [/^a text field cannot start with =/, 'formula', []],
  [/^this field is longer than (\d+) characters$/, 'tooLong', ['max']],
  [/^the row has (\d+) fields; the header has (\d+)$/, 'fieldCount', ['fields', 'header']],
  [/^the same reference is on line (\d+)$/, 'duplicateReference', ['line']],
  [/^the file is empty\b/, 'emptyFile', []],
  [/^the file has no rows after the header$/, 'noRows', []],
  [/^a file can hold at most (\d+) rows$/, 'tooManyRows', ['max']],
];

/** What is wrong with a row, in the client's words; null when the server's wording is unknown. */
export function rowErrorText(problem: RowProblem): Translated | null {
  for (const [pattern, name, names] of KNOWN) {
    const match = pattern.exec(problem.message);

    if (match) {
      const values = Object.fromEntries(names.map((value, i) => [value, match[i + 1]!]));

      return { key: `worklist.import.error.${name}`, values };
    }
  }

  return null;
}
