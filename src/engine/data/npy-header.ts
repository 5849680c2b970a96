import { SharpnessError } from '../errors';

/** The header dict of a .npy file, for a simple (non-structured) dtype. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** The subset of Python literal syntax that NumPy writes with repr(): tuples and lists both become arrays. */
type PythonLiteral = string | number | boolean | null | PythonLiteral[] | Map<string, PythonLiteral>;

function malformed(detail: string): SharpnessError {
  return new SharpnessError(`malformed .npy header: ${detail}`);
}

/** NumPy writes the header as a Python dict repr; a structured dtype nests lists of tuples in it, which regexes cannot skip reliably. */
class LiteralReader {
  private position = 0;

  constructor(private readonly text: string) {}

  readDocument(): PythonLiteral {
    const value = this.readValue();
    this.skipWhitespace();
    if (this.position < this.text.length) throw malformed(`unexpected ${JSON.stringify(this.text[this.position])} after the dict`);
    return value;
  }

  private readValue(): PythonLiteral {
    this.skipWhitespace();
    const char = this.text[this.position];
    if (char === '{') return this.readDict();
    if (char === '(') return this.readSequence(')');
    if (char === '[') return this.readSequence(']');
    if (char === "'" || char === '"') return this.readString(char);
    const word = /^(?:True|False|None|[+-]?\d+L?)/.exec(this.text.slice(this.position, this.position + 32));
    if (!word) throw malformed(char === undefined ? 'it ends early' : `unexpected ${JSON.stringify(char)}`);
    this.position += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote long integers with an 'L' suffix.
    return Number(word[0].replace('L', ''));
  }

  private readDict(): Map<string, PythonLiteral> {
    const dict = new Map<string, PythonLiteral>();
    this.position++;
    while (!this.closes('}')) {
      const key = this.readValue();
      if (typeof key !== 'string') throw malformed('a dict key is not a string');
      this.expect(':');
      dict.set(key, this.readValue());
      if (!this.separatorOrEnd('}')) break;
    }
    this.expect('}');
    return dict;
  }

  private readSequence(close: string): PythonLiteral[] {
    const items: PythonLiteral[] = [];
    this.position++;
    while (!this.closes(close)) {
      items.push(this.readValue());
      if (!this.separatorOrEnd(close)) break;
    }
    this.expect(close);
    return items;
  }

  private readString(quote: string): string {
    let value = '';
    for (let i = this.position + 1; i < this.text.length; i++) {
      const char = this.text[i];
      if (char === quote) {
        this.position = i + 1;
        return value;
      }
      // Field names in structured dtypes are the only strings that could hold escapes; keep the escaped char.
      if (char === '\\') i++;
      value += this.text[i] ?? '';
    }
    throw malformed('a string is never closed');
  }

  /** After an item: consumes a ',' and reports whether more items may follow. */
  private separatorOrEnd(close: string): boolean {
    this.skipWhitespace();
    if (this.text[this.position] !== ',') return false;
    this.position++;
    return !this.closes(close);
  }

  private closes(close: string): boolean {
    this.skipWhitespace();
    return this.text[this.position] === close;
  }

  private expect(char: string): void {
    this.skipWhitespace();
    if (this.text[this.position] !== char) throw malformed(`expected ${JSON.stringify(char)} at offset ${this.position}`);
    this.position++;
  }

  private skipWhitespace(): void {
    while (/\s/.test(this.text[this.position] ?? '')) this.position++;
  }
}

export function parseNpyHeader(text: string): NpyHeader {
  const dict = new LiteralReader(text).readDocument();
  if (!(dict instanceof Map)) throw malformed('it is not a dict');
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (descr === undefined || fortranOrder === undefined || shape === undefined) {
    throw malformed("it needs the keys 'descr', 'fortran_order' and 'shape'");
  }
  if (Array.isArray(descr)) throw new SharpnessError('structured (record) dtypes are not supported; save each field as its own array');
  if (typeof descr !== 'string') throw malformed("'descr' is not a string");
  if (typeof fortranOrder !== 'boolean') throw malformed("'fortran_order' is not True or False");
  if (!Array.isArray(shape) || !shape.every((size) => typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    throw malformed("'shape' is not a tuple of non-negative integers");
  }
  return { descr, fortranOrder, shape: shape as number[] };
}
