import { SharpnessError } from '../errors';

/** One non-blank row of a CSV file. `line` is the 1-based line it starts on, so messages match the editor. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export type CsvDelimiter = ',' | ';' | '\t';

/**
 * Picks the delimiter from the first non-blank line, ignoring quoted text. Tab and semicolon win over comma when
 * present: files that use them are usually written where the comma is the decimal separator.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const firstLine = /^.*\S.*$/m.exec(text)?.[0] ?? '';
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  if (unquoted.includes('\t')) return '\t';
  if (unquoted.includes(';')) return ';';
  return ',';
}

const QUOTE = 0x22;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits CSV text into records (RFC 4180 quoting: `""` inside quotes is a quote; quoted fields may span lines).
 * Fields are sliced rather than built a character at a time, which matters for files of millions of cells.
 */
export function readCsvRecords(text: string, delimiter: CsvDelimiter): CsvRecord[] {
  const delimiterCode = delimiter.charCodeAt(0);
  const endsField = (index: number): boolean => {
    const code = text.charCodeAt(index);
    return index >= text.length || code === delimiterCode || code === LINE_FEED || code === CARRIAGE_RETURN;
  };
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let position = 0;
  for (;;) {
    let fieldEnd = position;
    while (!endsField(fieldEnd)) fieldEnd++;
    let field = text.slice(position, fieldEnd);
    const quoteStart = position + field.length - field.trimStart().length;
    if (text.charCodeAt(quoteStart) === QUOTE) {
      const quoted = readQuoted(text, quoteStart + 1, line);
      if (!quoted) {
        const where = `row ${recordLine}, column ${fields.length + 1}`;
        throw new SharpnessError(`${where}: the quoted field opened on line ${line} is never closed`);
      }
      line = quoted.line;
      fieldEnd = quoted.end;
      // Text after the closing quote is kept, as spreadsheets do.
      while (!endsField(fieldEnd)) fieldEnd++;
      field = quoted.value + text.slice(quoted.end, fieldEnd);
    }
    fields.push(field);
    position = fieldEnd + 1;
    if (fieldEnd < text.length && text.charCodeAt(fieldEnd) === delimiterCode) continue;

    const blank = fields.length === 1 && fields[0].trim() === '';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    if (fieldEnd >= text.length) return records;
    if (text.charCodeAt(fieldEnd) === CARRIAGE_RETURN && text.charCodeAt(fieldEnd + 1) === LINE_FEED) position++;
    line++;
    recordLine = line;
  }
}

/** Reads a quoted field's content from just after its opening quote; `end` is just after the closing quote. Null if it never closes. */
function readQuoted(text: string, start: number, openingLine: number): { value: string; end: number; line: number } | null {
  let value = '';
  let line = openingLine;
  let position = start;
  for (;;) {
    const close = text.indexOf('"', position);
    if (close < 0) return null;
    const chunk = text.slice(position, close);
    value += chunk;
    line += chunk.split(/\r\n|\n|\r/).length - 1;
    if (text.charCodeAt(close + 1) !== QUOTE) return { value, end: close + 1, line };
    value += '"';
    position = close + 2;
  }
}
