import { SharpnessError } from '../errors';
import { DataBudget } from './data-file';
import { NdArray } from './ndarray';
import { checkDataSize, parseNpy, readNpyLayout } from './npy';
import { extractZipMember, readZipDirectory, readZipMemberPrefix, ZipMember } from './zip';

/** A .npz archive whose arrays are decoded only when asked for, so an unrelated unsupported array does not block loading. */
export interface NpzArchive {
  /** Array names: the `.npy` members without that suffix, in archive order. Other members are ignored, as np.load does. */
  readonly names: string[];
  read(name: string): NdArray;
}

/**
 * Opens a .npz archive; every array read counts against `budget`. Before a member is inflated, the
 * size its .npy header declares must be the size the archive's directory gives, and both must fit the
 * budget; inflation stops at that size, so a member cannot take more memory than it declares.
 */
export function openNpz(bytes: Uint8Array, budget = new DataBudget()): NpzArchive {
  const membersByName = new Map<string, ZipMember>();
  for (const member of readZipDirectory(bytes)) {
    if (!member.name.endsWith('.npy')) continue;
    const name = member.name.slice(0, -'.npy'.length);
    if (membersByName.has(name)) throw new SharpnessError(`the archive holds two members named "${member.name}"`);
    membersByName.set(name, member);
  }
  return {
    names: [...membersByName.keys()],
    read(name: string): NdArray {
      const member = membersByName.get(name);
      if (!member) throw new SharpnessError(`the archive has no array named "${name}"`);
      try {
        return readMember(bytes, member, budget);
      } catch (error) {
        if (error instanceof SharpnessError) throw new SharpnessError(`array "${name}": ${error.message}`);
        throw error;
      }
    },
  };
}

function readMember(bytes: Uint8Array, member: ZipMember, budget: DataBudget): NdArray {
  const layout = readNpyLayout(readZipMemberPrefix(bytes, member), true);
  // The directory's size is what inflation stops at; a header declaring otherwise is refused before it starts.
  if (layout) checkDataSize(layout, Math.max(0, member.uncompressedSize - layout.dataStart));
  // A stored member is read where it lies; a deflated one is inflated into memory of its own.
  const inflated = member.method === 0 ? 0 : member.uncompressedSize;
  budget.reserve(inflated, 'the inflated array');
  const contents = extractZipMember(bytes, member);
  const array = parseNpy(contents, budget);
  // Decoded into an array of its own, the inflated bytes are garbage; used in place, they are the array.
  if (array.data.buffer !== contents.buffer) budget.release(inflated);
  return array;
}

/** Every array in a .npz archive, by name (the member name without `.npy`). */
export function parseNpz(bytes: Uint8Array): Map<string, NdArray> {
  const archive = openNpz(bytes);
  return new Map(archive.names.map((name) => [name, archive.read(name)]));
}
