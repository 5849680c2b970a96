import { SharpnessError } from '../errors';
import { CsvRecord, detectDelimiter, readCsvRecords } from './csv-records';
import { float32Array, labelArray, NdArray, overflowsFloat32 } from './ndarray';

export interface CsvOptions {
  /** 0-based index (negative counts from the end) or header name; default: the last column. */
  labelColumn?: number | string;
  /** False when every column is a feature. Default true. */
  hasLabels?: boolean;
}

export interface CsvTable {
  /** Features, float32 [samples, features]. */
  x: NdArray;
  /** The label column, [samples]: int32 when every value is an integer that fits, else float32. */
  y: NdArray | null;
  /** Column names from the header row, or null when the file has none. */
  columnNames: string[] | null;
}

// What Python's float() and np.savetxt produce, and nothing looser: Number() would also take '', '0x1f' and '1_0'.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** The number a field spells, or null when it is not one. */
function parseNumber(field: string): number | null {
  const text = field.trim();
  if (DECIMAL.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (!special) return null;
  if (special[2].toLowerCase() === 'nan') return NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const records = readCsvRecords(text, detectDelimiter(text));
  if (records.length === 0) throw new SharpnessError('the file has no rows');
  const first = records[0];
  // A blank field is a missing value, not a name: it must not turn the first data row into a header.
  const hasHeader = first.fields.some((field) => field.trim() !== '' && parseNumber(field) === null);
  const columnNames = hasHeader ? first.fields.map((field) => field.trim()) : null;
  const rows = hasHeader ? records.slice(1) : records;
  const columnCount = first.fields.length;
  if (rows.length === 0) throw new SharpnessError('the file has a header row but no data rows');

  const labelIndex = options.hasLabels === false ? null : resolveLabelColumn(options.labelColumn, columnCount, columnNames);
  const featureCount = labelIndex === null ? columnCount : columnCount - 1;
  if (featureCount === 0) throw new SharpnessError('there is only the label column; at least one feature column is needed');

  const features: number[] = [];
  const labels: number[] = [];
  for (const row of rows) {
    if (row.fields.length !== columnCount) {
      throw new SharpnessError(`row ${row.line} has ${row.fields.length} fields, expected ${columnCount}`);
    }
    for (let column = 0; column < columnCount; column++) {
      (column === labelIndex ? labels : features).push(cellValue(row, column));
    }
  }
  return {
    x: float32Array(features, [rows.length, featureCount]),
    y: labelIndex === null ? null : labelArray(labels, [rows.length]),
    columnNames,
  };
}

function cellValue(row: CsvRecord, column: number): number {
  const field = row.fields[column];
  const where = `row ${row.line}, column ${column + 1}`;
  const value = parseNumber(field);
  if (value === null) {
    if (field.trim() === '') throw new SharpnessError(`${where} is empty`);
    const decimalComma = /^[+-]?\d+,\d+$/.test(field.trim()) ? ' (use a point as the decimal separator)' : '';
    throw new SharpnessError(`${where}: ${JSON.stringify(field)} is not a number${decimalComma}`);
  }
  if (overflowsFloat32(value)) throw new SharpnessError(`${where}: ${field.trim()} is outside the float32 range`);
  return value;
}

function resolveLabelColumn(labelColumn: number | string | undefined, columnCount: number, columnNames: string[] | null): number {
  if (labelColumn === undefined) return columnCount - 1;
  if (typeof labelColumn === 'string') {
    const name = JSON.stringify(labelColumn);
    if (!columnNames) throw new SharpnessError(`labelColumn ${name} is a column name, but the file has no header row`);
    const index = columnNames.indexOf(labelColumn);
    if (index < 0) {
      throw new SharpnessError(
        `no column named ${name}; the columns are ${columnNames.map((column) => JSON.stringify(column)).join(', ')}`,
      );
    }
    return index;
  }
  const index = labelColumn < 0 ? columnCount + labelColumn : labelColumn;
  if (!Number.isInteger(labelColumn) || index < 0 || index >= columnCount) {
    throw new SharpnessError(
      `labelColumn ${labelColumn} does not name one of the ${columnCount} columns (use 0 to ${columnCount - 1}, or -1 for the last)`,
    );
  }
  return index;
}
