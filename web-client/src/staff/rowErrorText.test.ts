import { describe, expect, it } from 'vitest';

import en from '../i18n/locales/en.json';
import { rowErrorText } from './rowErrorText.ts';

describe('the text of a bad CSV row', () => {
  it('translates what the server says about a field, with its values', () => {
    expect(rowErrorText({ column: 'age', message: '"åtti" is not a whole number' })).toEqual({
      key: 'worklist.import.error.notNumber',
      values: { value: 'åtti' },
    });
    expect(rowErrorText({ column: 'age', message: '130 is more than 120' })).toEqual({
      key: 'worklist.import.error.tooLarge',
      values: { value: '130', max: '120' },
    });
    expect(rowErrorText({ column: 'reference', message: 'this field is empty' })?.key).toBe(
      'worklist.import.error.empty',
    );
  });

  it('translates what the server says about a whole row or file', () => {
    expect(
      rowErrorText({ column: null, message: 'the row has 6 fields; the header has 7' }),
    ).toEqual({ key: 'worklist.import.error.fieldCount', values: { fields: '6', header: '7' } });
    expect(
      rowErrorText({ column: 'reference', message: 'the same reference is on line 3' }),
    ).toEqual({ key: 'worklist.import.error.duplicateReference', values: { line: '3' } });
    expect(rowErrorText({ column: 'municipality', message: 'this column is missing' })?.key).toBe(
      'worklist.import.error.missingColumn',
    );
  });

  it('leaves wording it does not know to be shown as the server wrote it', () => {
    expect(rowErrorText({ column: null, message: 'something new' })).toBeNull();
  });

  it('names only messages that are translated', () => {
    const errors = en.worklist.import.error as Record<string, string>;
    const messages = [
      'this column is missing',
      'this field is empty',
      '"x" is not a whole number',
      '2 is more than 1',
      'this field holds control characters',
      'this column is named twice',
      'a text field cannot start with =, +, - or @ (a spreadsheet would read a formula)',
      'this field is longer than 200 characters',
      'the row has 1 fields; the header has 7',
      'the same reference is on line 2',
      'the file is empty; the first line must name the columns',
      'the file has no rows after the header',
      'a file can hold at most 5000 rows',
    ];

    for (const message of messages) {
      const text = rowErrorText({ column: null, message });

      expect(text, message).not.toBeNull();
      expect(errors[text!.key.split('.').at(-1)!], message).toBeDefined();
    }
  });
});
