import { extname } from 'node:path';
import { DATA_FILE_EXTENSIONS, type DataFileExtension } from '../../shared/data-files';
import { SharpnessError } from '../errors';
import { decodeText } from '../input-file';
import { parseCsv } from './csv';
import { DataBudget, readDataFile } from './data-file';
import { parseJsonData } from './json';
import { describeShape, NdArray, sampleSize, type ArrayRole } from './ndarray';
import { parseNpy } from './npy';
import { openNpz } from './npz';

/** One array of a data file; the first axis indexes samples. */
export interface DataArray {
  /** Its name in the file (`x`, `x0`, an input layer's name); `x` and `y` for a .npy or .csv. */
  name: string;
  /** How messages name it: the name alone for a model of one input and one output, else `array "x1" for input "b"`. */
  label: string;
  array: NdArray;
}

export interface RawDataset {
  /** One array per model input, in the model's input order. */
  inputs: DataArray[];
  /** One array per model output, in the model's output order, or null when the data has none. */
  targets: DataArray[] | null;
  /** The file the inputs came from. */
  source: string;
  /** The file the targets came from (the same as source unless labelsPath was given), or null without targets. */
  labelsSource: string | null;
}

/**
 * The model's inputs and outputs by name, in order, as its topology gives them before any weight is
 * read: which arrays a .npz or .json file must hold. An output is named by its layer's path
 * (`head/dense` inside a nested model).
 */
export interface DataSignature {
  inputs: readonly string[];
  outputs: readonly string[];
}

export interface LoadDataOptions {
  /** A separate .npy of labels, for .npy inputs. */
  labelsPath?: string;
  /** CSV only: 0-based index (negative counts from the end) or header name; default: the last column. */
  labelColumn?: number | string;
  /** False to load inputs only, ignoring any labels in the file. Default true. */
  hasLabels?: boolean;
  /** The model the data is for; without it, one input and one output, found by the conventional names only. */
  signature?: DataSignature;
}

/**
 * The names a data file or a training config may give a model output: its layer's path; for an output
 * made inside a nested model (`head/dense`), also the nested model's name (`head`, the name Keras keys
 * `loss` and `loss_weights` by) and the layer's own name (`dense`).
 */
export function outputAliases(output: string): string[] {
  const segments = output.split('/');
  return [...new Set([output, segments[0], segments[segments.length - 1]])];
}

/** Input/label array names tried in order for a single-input model; the first input name present decides the label name. */
const NPZ_ARRAY_NAMES: ReadonlyArray<readonly [input: string, labels: string]> = [
  ['x', 'y'],
  ['x_train', 'y_train'],
  ['X', 'Y'],
  ['inputs', 'labels'],
  ['images', 'labels'],
];
const JSON_ARRAY_NAMES: typeof NPZ_ARRAY_NAMES = [['x', 'y']];

/** Arrays by name (a .npz archive, a .json object), each read only when asked for. */
interface NamedArrays {
  readonly names: readonly string[];
  read(name: string, role: ArrayRole): NdArray;
}

interface FileContents {
  inputs: { name: string; array: NdArray }[];
  targets: { name: string; array: NdArray }[] | null;
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
  const wantLabels = options.hasLabels !== false;
  if (extension === '.npy' || extension === '.csv') refuseSeveral(extension, options.signature, wantLabels, path);
  // One budget for the inputs and the labels, which are in memory together.
  const budget = new DataBudget();
  const contents = withFileContext(path, () => readContents(path, extension, options, budget));
  const label = (role: ArrayRole, k: number, name: string) => arrayLabel(options.signature, role, k, name);
  const inputs = contents.inputs.map(({ name, array }, k) => ({ name, label: label('input', k, name), array }));
  for (const { label: text, array } of inputs) checkSamples(text, array, path);
  const labelsFile = labelsPath ?? path;
  const found = !wantLabels
    ? null
    : labelsPath !== undefined
      ? [{ name: 'y', array: readLabelsFile(labelsPath, budget) }]
      : contents.targets;
  if (!found) return { inputs, targets: null, source: path, labelsSource: null };
  const targets = found.map(({ name, array }, k) => ({ name, label: label('target', k, name), array }));
  for (const { label: text, array } of targets) checkSamples(text, array, labelsFile);
  // Every array is indexed by the same samples, so a subsample picks the same rows of each.
  const count = inputs[0].array.shape[0];
  const elsewhere = labelsFile === path ? '' : ` (in ${labelsFile})`;
  const others = [...inputs.slice(1).map((a) => ({ a, where: '' })), ...targets.map((a) => ({ a, where: elsewhere }))];
  for (const { a, where } of others) {
    if (a.array.shape[0] !== count)
      throw new SharpnessError(`${inputs[0].label} has ${count} samples but ${a.label}${where} has ${a.array.shape[0]}`, path);
  }
  return { inputs, targets, source: path, labelsSource: labelsFile };
}

function isMultiIo(signature: DataSignature | undefined): boolean {
  return signature !== undefined && (signature.inputs.length > 1 || signature.outputs.length > 1);
}

/** How a message names an array: by its name alone for a model of one input and one output, else with the input or output it is for. */
function arrayLabel(signature: DataSignature | undefined, role: ArrayRole, k: number, name: string): string {
  if (!isMultiIo(signature)) return name;
  const names = role === 'input' ? signature!.inputs : signature!.outputs;
  return `array "${name}" for ${role === 'input' ? 'input' : 'output'} "${names[k]}"`;
}

/** `input "a" (1 of 2)`, `output "head/dense"` (the only one). */
function slotName(signature: DataSignature, role: ArrayRole, k: number): string {
  const names = role === 'input' ? signature.inputs : signature.outputs;
  const kind = role === 'input' ? 'input' : 'output';
  return names.length === 1 ? `${kind} "${names[k]}"` : `${kind} "${names[k]}" (${k + 1} of ${names.length})`;
}

const quoted = (names: readonly string[]) => names.map((name) => JSON.stringify(name)).join(', ');

/** A .npy (with its labels file) or a .csv holds one input and one target: refused at once for a model that needs more. */
function refuseSeveral(extension: '.npy' | '.csv', signature: DataSignature | undefined, wantLabels: boolean, file: string): void {
  if (!signature) return;
  const inputs = signature.inputs.length;
  const outputs = wantLabels ? signature.outputs.length : 1;
  if (inputs === 1 && outputs === 1) return;
  const holds =
    extension === '.npy'
      ? 'a .npy file (with a separate labels file) holds one input array and one target array'
      : 'a .csv file holds one input table and one label column';
  const needs = [
    inputs > 1 ? `${inputs} inputs (${quoted(signature.inputs)})` : null,
    outputs > 1 ? `${outputs} outputs (${quoted(signature.outputs)})` : null,
  ].filter((part) => part !== null);
  throw new SharpnessError(
    `${holds}, but the model has ${needs.join(' and ')}; use a .npz or .json file with one array per input and per output, named by the model's layers or x0, x1, … and y0, y1, …`,
    file,
  );
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
  const wantLabels = options.hasLabels !== false;
  switch (extension) {
    case '.npy':
      return { inputs: [{ name: 'x', array: parseNpy(bytes, budget, 'the inputs') }], targets: null };
    case '.npz': {
      const archive = openNpz(bytes, budget);
      return readNamedArrays({ names: archive.names, read: (name) => archive.read(name) }, NPZ_ARRAY_NAMES, options.signature, wantLabels);
    }
    case '.json':
      return readNamedArrays(parseJsonData(decodeText(bytes, path)), JSON_ARRAY_NAMES, options.signature, wantLabels);
    case '.csv': {
      const { x, y } = parseCsv(decodeText(bytes, path), options);
      return { inputs: [{ name: 'x', array: x }], targets: y ? [{ name: 'y', array: y }] : null };
    }
  }
}

/**
 * Where one model input or output looks for its array: tiers of names, best first. The first tier
 * with a name present decides; two names present in that tier are ambiguous, never a guess.
 */
interface Slot {
  role: ArrayRole;
  index: number;
  tiers: string[][];
}

const unique = (names: (string | undefined)[]): string[] => [...new Set(names.filter((name): name is string => name !== undefined))];

/**
 * The arrays of a .npz or .json file for each model input and output. A single-input model takes the
 * conventional names (`x` and `y`, or `x_train` and `y_train`, …); every input otherwise takes the
 * array named by its input layer or by its position (`x0`, `x1`, …), and every output the array named
 * as outputAliases gives or by its position (`y0`, `y1`, …); a single output also takes the label
 * name paired with its input (`y`). Arrays nothing asks for are ignored.
 */
function readNamedArrays(
  file: NamedArrays,
  pairs: typeof NPZ_ARRAY_NAMES,
  signature: DataSignature | undefined,
  wantLabels: boolean,
): FileContents {
  const has = (name: string) => file.names.includes(name);
  const inputNames = signature?.inputs ?? [undefined];
  const outputNames = signature?.outputs ?? [undefined];
  const pair = inputNames.length === 1 ? pairs.find(([input]) => has(input)) : undefined;
  const inputSlots: Slot[] = inputNames.map((name, k) => ({
    role: 'input',
    index: k,
    tiers: pair
      ? [[pair[0]]]
      : inputNames.length === 1
        ? [pairs.map(([input]) => input), name === undefined ? [] : unique([name, 'x0'])]
        : [unique([name, `x${k}`])],
  }));
  const outputSlots: Slot[] = outputNames.map((name, m) => {
    const named = name === undefined ? [] : unique([...outputAliases(name), `y${m}`]);
    return { role: 'target', index: m, tiers: outputNames.length === 1 ? [[pair ? pair[1] : 'y'], named] : [named] };
  });
  // A layer's own name always means that layer: no other input or output takes an array by it.
  const layerNames = new Set([...(signature?.inputs ?? []), ...(signature?.outputs ?? [])]);
  const ownNameOf = (slot: Slot) => (slot.role === 'input' ? inputNames : outputNames)[slot.index];
  const claims = new Map<string, Slot>();
  const pick = (slot: Slot): string | null => {
    const takes = (name: string) => has(name) && (!layerNames.has(name) || name === ownNameOf(slot));
    const tier = slot.tiers.map((names) => names.filter(takes)).find((present) => present.length > 0);
    if (!tier) return null;
    if (tier.length > 1) throw new SharpnessError(`${describeSlot(signature, slot)} could be any of the arrays ${quoted(tier)}: keep one`);
    const [name] = tier;
    const other = claims.get(name);
    if (other) {
      const prefix = slot.role === 'input' ? 'x' : 'y';
      const count = (slot.role === 'input' ? inputNames : outputNames).length;
      throw new SharpnessError(
        `array "${name}" could be ${describeSlot(signature, other)} or ${describeSlot(signature, slot)}; name them by position (${Array.from({ length: count }, (_, k) => `${prefix}${k}`).join(', ')}) instead`,
      );
    }
    claims.set(name, slot);
    return name;
  };
  const present = file.names.length ? `it has ${quoted(file.names)}` : 'it has no arrays';
  const inputs = inputSlots.map((slot) => {
    const name = pick(slot);
    if (name === null) throw new SharpnessError(`no array for ${describeSlot(signature, slot)}: expected ${expected(slot)}; ${present}`);
    return { name, array: file.read(name, 'input') };
  });
  if (!wantLabels) return { inputs, targets: null };
  const picked = outputSlots.map(pick);
  if (picked.every((name) => name === null)) {
    if (outputSlots.length === 1) return { inputs, targets: null };
    throw new SharpnessError(
      `no targets for the model's ${outputSlots.length} outputs: expected one array per output, named by the output (${quoted(signature!.outputs)}) or by its position (${outputSlots.map((_, m) => `y${m}`).join(', ')}); ${present}`,
    );
  }
  const targets = picked.map((name, m) => {
    if (name === null)
      throw new SharpnessError(`no array for ${describeSlot(signature, outputSlots[m])}: expected ${expected(outputSlots[m])}; ${present}`);
    return { name, array: file.read(name, 'target') };
  });
  return { inputs, targets };
}

/** `input "a" (1 of 2)`; `the input` and `the targets` when the model's names are not known. */
function describeSlot(signature: DataSignature | undefined, slot: Slot): string {
  if (signature) return slotName(signature, slot.role, slot.index);
  return slot.role === 'input' ? 'the input' : 'the targets';
}

function expected(slot: Slot): string {
  const names = slot.tiers.flat().map((name) => JSON.stringify(name));
  return names.length === 1 ? `one named ${names[0]}` : `one named ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
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

function checkSamples(name: string, array: NdArray, file: string): void {
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
