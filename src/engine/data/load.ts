import { extname } from 'node:path';
import { DATA_FILE_EXTENSIONS, type DataFileExtension } from '../../shared/data-files';
import { SharpnessError } from '../errors';
import { decodeText } from '../input-file';
import { parseCsv } from './csv';
import { DataBudget, readDataFile } from './data-file';
import { parseJsonData } from './json';
import { describeShape, NdArray, sampleSize } from './ndarray';
import { parseNpy } from './npy';
import { openNpz } from './npz';

export interface RawDataset {
  /** Inputs; the first axis indexes samples. */
  x: NdArray;
  /** Targets with the same number of samples as x, or null when the data has none. */
  y: NdArray | null;
  /** The file x came from. */
  source: string;
  /** The file y came from (the same as source unless labelsPath was given), or null without y. */
  labelsSource: string | null;
}

export interface LoadDataOptions {
  /** A separate .npy of labels, for .npy inputs. */
  labelsPath?: string;
  /** CSV only: 0-based index (negative counts from the end) or header name; default: the last column. */
  labelColumn?: number | string;
  /** False to load inputs only, ignoring any labels in the file. Default true. */
  hasLabels?: boolean;
}

/** Input/label array names tried in order in a .npz; the first input name present decides the label name. */
const NPZ_ARRAY_NAMES: ReadonlyArray<readonly [input: string, labels: string]> = [
  ['x', 'y'],
  ['x_train', 'y_train'],
  ['X', 'Y'],
  ['inputs', 'labels'],
  ['images', 'labels'],
];

interface FileContents {
  x: NdArray;
  y: NdArray | null;
}

/** Loads analysis data from a .npy, .npz, .json or .csv file without modifying anything on disk. */
export function loadDataFile(path: string, options: LoadDataOptions = {}): RawDataset {
  const extension = dataFileExtension(path);
  const { labelsPath } = options;
  if (labelsPath !== undefined && extension !== '.npy') {
    throw new SharpnessError(`a separate labels file is only supported for .npy inputs; put the labels in this ${extension} file`, path);
  }
  // Ignoring it would analyse other labels than the user chose.
  if (options.labelColumn !== undefined && extension !== '.csv') {
    throw new SharpnessError(`a label column only applies to .csv data, not to this ${extension} file`, path);
  }
  // One budget for the inputs and the labels, which are in memory together.
  const budget = new DataBudget();
  const { x, y: labelsInFile } = withFileContext(path, () => readContents(path, extension, options, budget));
  checkSamples('x', x, path);
  let labels: { y: NdArray; file: string } | null = null;
  if (options.hasLabels !== false) {
    if (labelsPath !== undefined) labels = { y: readLabelsFile(labelsPath, budget), file: labelsPath };
    else if (labelsInFile) labels = { y: labelsInFile, file: path };
  }
  if (!labels) return { x, y: null, source: path, labelsSource: null };

  checkSamples('y', labels.y, labels.file);
  if (labels.y.shape[0] !== x.shape[0]) {
    const labelsFile = labels.file === path ? '' : ` (in ${labels.file})`;
    throw new SharpnessError(`x has ${x.shape[0]} samples but y${labelsFile} has ${labels.y.shape[0]}`, path);
  }
  return { x, y: labels.y, source: path, labelsSource: labels.file };
}

function readLabelsFile(labelsPath: string, budget: DataBudget): NdArray {
  if (extname(labelsPath).toLowerCase() !== '.npy') throw new SharpnessError('a labels file must be a .npy file', labelsPath);
  return withFileContext(labelsPath, () => parseNpy(readDataFile(labelsPath, budget), budget, 'the labels'));
}

function dataFileExtension(path: string): DataFileExtension {
  const extension = extname(path).toLowerCase();
  const known = DATA_FILE_EXTENSIONS.find((candidate) => candidate === extension);
  if (!known) {
    const found = extension ? `"${extension}"` : 'no extension';
    throw new SharpnessError(`unsupported data file type (${found}); supported: ${DATA_FILE_EXTENSIONS.join(', ')}`, path);
  }
  return known;
}

function readContents(path: string, extension: DataFileExtension, options: LoadDataOptions, budget: DataBudget): FileContents {
  const bytes = readDataFile(path, budget);
  switch (extension) {
    case '.npy':
      return { x: parseNpy(bytes, budget, 'the inputs'), y: null };
    case '.npz':
      return readNpzContents(bytes, options.hasLabels !== false, budget);
    case '.json':
      return parseJsonData(decodeText(bytes, path));
    case '.csv':
      return parseCsv(decodeText(bytes, path), options);
  }
}

function readNpzContents(bytes: Uint8Array, wantLabels: boolean, budget: DataBudget): FileContents {
  const archive = openNpz(bytes, budget);
  const names = NPZ_ARRAY_NAMES.find(([input]) => archive.names.includes(input));
  if (!names) {
    const present = archive.names.length ? `it has ${archive.names.map((name) => JSON.stringify(name)).join(', ')}` : 'it has no arrays';
    const accepted = NPZ_ARRAY_NAMES.map(([input]) => JSON.stringify(input)).join(', ');
    throw new SharpnessError(`no input array: expected one named ${accepted}; ${present}`);
  }
  const [inputName, labelsName] = names;
  return {
    x: archive.read(inputName),
    y: wantLabels && archive.names.includes(labelsName) ? archive.read(labelsName) : null,
  };
}

/** Gives every failure one line naming the file: parsers throw SharpnessErrors without it, and nothing raw escapes. */
function withFileContext<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SharpnessError) throw error.file === undefined ? new SharpnessError(error.message, file) : error;
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new SharpnessError(`cannot be read: ${reason}`, file);
  }
}

function checkSamples(name: 'x' | 'y', array: NdArray, file: string): void {
  if (array.shape.length === 0) {
    throw new SharpnessError(`${name} is a 0-d (scalar) array; expected an array whose first axis indexes samples`, file);
  }
  if (array.shape[0] === 0) throw new SharpnessError(`${name} has no samples`, file);
  // Nothing to compute on, and the wasm kernels fail on zero-size tensors, printing to the terminal.
  if (array.shape.includes(0)) throw new SharpnessError(`${name} has a zero-size axis: its shape is ${describeShape(array.shape)}`, file);
  if (array.dtype !== 'float32') return;
  const values = array.data;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (Number.isFinite(value)) continue;
    const kind = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    throw new SharpnessError(`${name} contains ${kind} (first at sample ${Math.floor(index / sampleSize(array))})`, file);
  }
}
