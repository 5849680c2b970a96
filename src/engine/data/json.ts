import { SharpnessError } from '../errors';
import { float32Array, labelArray, NdArray, overflowsFloat32, type ArrayRole } from './ndarray';

/** The arrays of a JSON data file, by key; each is read (and checked) only when asked for. */
export interface JsonArrays {
  /** Every key, in the file's order; keys no input or output asks for are ignored. */
  readonly names: string[];
  read(name: string, role: ArrayRole): NdArray;
}

/**
 * Parses `{ "x": nested arrays, "y": nested or flat array }`, or one array per model input and
 * output (`x0`, `x1`, `y0`, … or the layers' names; load.ts picks them). Targets become int32 when
 * every value is an integer that fits, else float32; inputs are float32.
 */
export function parseJsonData(text: string): JsonArrays {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new SharpnessError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new SharpnessError(`expected an object of arrays such as {"x": [...], "y": [...]}, found ${describe(document)}`);
  }
  const fields = document as Record<string, unknown>;
  return {
    names: Object.keys(fields),
    read(name, role) {
      const { values, shape } = readNumberArray(fields[name], name);
      return role === 'input' ? float32Array(values, shape) : labelArray(values, shape);
    },
  };
}

interface FlatNumbers {
  values: number[];
  shape: number[];
}

/**
 * NumPy's limit on an array's axes. Deeper nesting is no data array, and the walk below recurses once
 * per axis, so the limit also keeps a file nested 100,000 deep from overflowing the stack.
 */
const MAX_AXES = 64;

/** Flattens a rectangular nested array; the first element at each depth fixes the expected length. */
function readNumberArray(root: unknown, name: string): FlatNumbers {
  if (!Array.isArray(root)) throw new SharpnessError(`"${name}" must be an array, found ${describe(root)}`);
  const shape: number[] = [];
  for (let level: unknown = root; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (shape.length > MAX_AXES)
      throw new SharpnessError(`"${name}" nests arrays more than ${MAX_AXES} deep; an array has at most ${MAX_AXES} axes`);
    if (level.length === 0) break;
  }
  const values: number[] = [];
  // Indices of the element being visited; the path string is only built for an error message.
  const indices: number[] = [];
  const path = (): string => name + indices.map((index) => `[${index}]`).join('');
  const visit = (value: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof value !== 'number') throw new SharpnessError(`${path()} is ${describe(value)}, expected a number`);
      if (overflowsFloat32(value)) throw new SharpnessError(`${path()} = ${value} is outside the float32 range`);
      values.push(value);
      return;
    }
    if (!Array.isArray(value)) throw new SharpnessError(`${path()} is ${describe(value)}, expected an array of length ${shape[depth]}`);
    if (value.length !== shape[depth]) throw new SharpnessError(`${path()} has length ${value.length}, expected ${shape[depth]}`);
    for (let index = 0; index < value.length; index++) {
      indices.push(index);
      visit(value[index], depth + 1);
      indices.pop();
    }
  };
  visit(root, 0);
  return { values, shape };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)})`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
