import { describe, expect, it } from 'vitest';

import { CsvSyntaxError, decodeCsv, parseCsv } from './csv.ts';

describe('reading CSV', () => {
  it('reads comma-separated records with the line each starts on', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reads semicolons when the header has them and no commas, as Norwegian Excel saves', () => {
    expect(parseCsv('navn;alder\nHansen, Ola;84').map((r) => r.fields)).toEqual([
      ['navn', 'alder'],
      ['Hansen, Ola', '84'],
    ]);
  });

  it('reads quoted fields with separators, doubled quotes and line breaks inside', () => {
    expect(parseCsv('a,b\n"x, ""y""","line\nbreak"\nz,w')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', 'line\nbreak'] },
      { line: 4, fields: ['z', 'w'] },
    ]);
  });

  it('skips a byte order mark and empty lines, and trims unquoted fields', () => {
    expect(parseCsv('\uFEFFa , b\n\n 1 ,2\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('refuses a quoted field that is never closed, naming its line', () => {
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(expect.objectContaining({ line: 2 }));
  });

  it('refuses a stray quote inside a field', () => {
    expect(() => parseCsv('a,b\n1,2"3')).toThrow('a quote inside a field that is not quoted');
  });

  it('goes on at the next line after a stray quote when asked to collect errors', () => {
    const errors: CsvSyntaxError[] = [];

    expect(parseCsv('a,b\n1,2"3\n4,5\n6,7"8\n9,10', errors)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['4', '5'] },
      { line: 5, fields: ['9', '10'] },
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 4]);
  });

  it('says that an unclosed quote stopped the reading', () => {
    const errors: CsvSyntaxError[] = [];

    parseCsv('a,b\n1,"2\n3,4', errors);
    expect(errors[0]?.message).toContain('the rest of the file was not read');
  });

  it('decodes UTF-8 with or without a byte order mark, and Windows-1252 otherwise', () => {
    const name = 'Åse Øren';

    expect(decodeCsv(Buffer.from(name, 'utf8'))).toBe(name);
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(name)]))).toBe(
      name,
    );
    expect(decodeCsv(Buffer.from([0xc5, 0x73, 0x65, 0x20, 0xd8, 0x72, 0x65, 0x6e]))).toBe(name);
  });
});
