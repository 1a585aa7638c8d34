import { describe, expect, it } from 'vitest';

import { MAX_IMPORT_ROWS, candidatesFromCsv } from './candidateRows.ts';
import { parseCsv } from './csv.ts';

const HEADER =
  'reference,name,age,long_term_conditions,emergency_admissions_12m,bed_days_12m,municipality';

const read = (text: string) => candidatesFromCsv(parseCsv(text));

describe('people from a worklist CSV file', () => {
  it('come with every column converted', () => {
    expect(read(`${HEADER}\nR-1,Test Person,84,4,2,12,Fjellvik`)).toEqual({
      ok: true,
      candidates: [
        {
          reference: 'R-1',
          name: 'Test Person',
          age: 84,
          longTermConditions: 4,
          emergencyAdmissions12m: 2,
          bedDays12m: 12,
          municipality: 'Fjellvik',
        },
      ],
    });
  });

  it('may come in any column order, with extra columns ignored', () => {
    const result = read(
      'municipality;bed_days_12m;emergency_admissions_12m;long_term_conditions;age;name;reference;note\n' +
        'Fjellvik;0;1;2;80;Test Person;R-1;x',
    );

    expect(result).toMatchObject({ ok: true, candidates: [{ reference: 'R-1', age: 80 }] });
  });

  it('report every bad row with its line and each bad field', () => {
    const result = read(
      [
        HEADER,
        'R-1,Good Person,80,3,1,4,Fjellvik',
        'R-2,,eighty,3,1,4,Fjellvik',
        'R-3,Too Old,131,3,1,400,Fjellvik',
        'R-1,Same Reference,80,3,1,4,Fjellvik',
        'R-5,Short Row,80',
      ].join('\n'),
    );

    expect(result).toEqual({
      ok: false,
      errors: [
        {
          line: 3,
          errors: [
            { column: 'name', message: 'this field is empty' },
            { column: 'age', message: '"eighty" is not a whole number' },
          ],
        },
        {
          line: 4,
          errors: [
            { column: 'age', message: '131 is more than 130' },
            { column: 'bed_days_12m', message: '400 is more than 366' },
          ],
        },
        { line: 5, errors: [{ column: 'reference', message: 'the same reference is on line 2' }] },
        { line: 6, errors: [{ column: null, message: 'the row has 3 fields; the header has 7' }] },
      ],
    });
  });

  it('need every column in the header', () => {
    expect(read('reference,name,age\nR-1,Test,80')).toEqual({
      ok: false,
      errors: [
        {
          line: 1,
          errors: [
            { column: 'long_term_conditions', message: 'this column is missing' },
            { column: 'emergency_admissions_12m', message: 'this column is missing' },
            { column: 'bed_days_12m', message: 'this column is missing' },
            { column: 'municipality', message: 'this column is missing' },
          ],
        },
      ],
    });
  });

  it('need at least one row', () => {
    expect(read(HEADER)).toMatchObject({ ok: false, errors: [{ line: 1 }] });
    expect(read('')).toMatchObject({ ok: false, errors: [{ line: 1 }] });
  });

  it('refuses a header that names a column twice, naming it', () => {
    expect(read(`${HEADER},age\nR-1,Test Person,84,4,2,12,Fjellvik,84`)).toMatchObject({
      ok: false,
      summary: expect.stringContaining('age'),
      errors: [{ line: 1, errors: [{ column: 'age', message: 'this column is named twice' }] }],
    });
  });

  it('refuses text that a spreadsheet would run as a formula', () => {
    for (const value of ['=HYPERLINK(1)', '+1', '-2', '@SUM(A1)']) {
      expect(read(`${HEADER}\nR-1,${value},84,4,2,12,Fjellvik`)).toMatchObject({
        ok: false,
        errors: [{ line: 2, errors: [{ column: 'name', message: expect.stringContaining('=') }] }],
      });
    }
  });

  it('says "too many rows" for a file over the limit', () => {
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `R-${i},P,84,4,2,12,F`);

    expect(read(`${HEADER}\n${rows.join('\n')}`)).toMatchObject({
      ok: false,
      summary: `too many rows (max ${MAX_IMPORT_ROWS}); nothing was imported`,
    });
  });
});
