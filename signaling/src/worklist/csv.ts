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
 * The text of a CSV file as it came, in bytes: UTF-8 (with or without a byte order mark), or,
 * when the bytes are not valid UTF-8, Windows-1252, which Norwegian Excel's "CSV (semikolondelt)"
 * writes (Å, Ø and Æ as single bytes).
 */
export function decodeCsv(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * Reads CSV as RFC 4180 writes it, and as Norwegian spreadsheets save it: fields separated by
 * commas or, when the header line has semicolons and no commas, by semicolons; fields may be
 * quoted, with "" for a quote inside; lines end with CRLF or LF. A byte order mark is skipped and
 * empty lines are left out.
 *
 * A syntax error throws CsvSyntaxError; given `errors`, it is collected there instead, the broken
 * record left out, and reading goes on at the next line, so that every error can be reported. A
 * quoted field never closed swallows the rest of the file; its error says so.
 */
export function parseCsv(text: string, errors?: CsvSyntaxError[]): CsvRecord[] {
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
  let isBroken = false;

  const fail = (message: string) => {
    const error = new CsvSyntaxError(line, message);

    if (!errors) throw error;
    errors.push(error);
    isBroken = true;
  };

  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (!isBroken && (fields.length > 1 || fields[0] !== '')) {
      records.push({ line: recordLine, fields });
    }
    fields = [];
    isBroken = false;
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

    if (isBroken && character !== '\n' && character !== '\r') continue;

    if (character === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (character === '"') {
      fail('a quote inside a field that is not quoted');
    } else if (character === separator) {
      endField();
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (wasQuoted) {
      if (character.trim() !== '') {
        fail('text after the closing quote of a field');
      }
    } else {
      field += character;
    }
  }

  if (quoted) {
    const error = new CsvSyntaxError(
      recordLine,
      'a quoted field is not closed; the rest of the file was not read',
    );

    if (!errors) throw error;
    errors.push(error);
    isBroken = true;
  }
  endRecord();

  return records;
}
