/** One record of a CSV file, with the line it starts on (the first line is 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  readonly line: number;

  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/**
 * Reads CSV as RFC 4180 writes it, and as Norwegian spreadsheets save it: fields separated by
 * commas or, when the header line has semicolons and no commas, by semicolons; fields may be
 * quoted, with "" for a quote inside; lines end with CRLF or LF. A byte order mark is skipped and
 * empty lines are left out.
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.slice(0, source.search(/\r?\n|$/));
  const separator = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let wasQuoted = false;

  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
  };

  for (let i = 0; i < source.length; i++) {
    const character = source[i]!;

    if (quoted) {
      if (character === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (character === '"') {
        quoted = false;
      } else {
        if (character === '\n') line++;
        field += character;
      }
      continue;
    }

    if (character === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (character === '"') {
      throw new CsvSyntaxError(line, 'a quote inside a field that is not quoted');
    } else if (character === separator) {
      endField();
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (wasQuoted) {
      if (character.trim() !== '') {
        throw new CsvSyntaxError(line, 'text after the closing quote of a field');
      }
    } else {
      field += character;
    }
  }

  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted field is not closed');
  endRecord();

  return records;
}
