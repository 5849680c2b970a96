import { SharpnessError } from '../errors';
import { NdArray } from './ndarray';
import { parseNpy } from './npy';
import { extractZipMember, readZipDirectory, ZipMember } from './zip';

/** A .npz archive whose arrays are decoded only when asked for, so an unrelated unsupported array does not block loading. */
export interface NpzArchive {
  /** Array names: the `.npy` members without that suffix, in archive order. Other members are ignored, as np.load does. */
  readonly names: string[];
  read(name: string): NdArray;
}

export function openNpz(bytes: Uint8Array): NpzArchive {
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
      const contents = extractZipMember(bytes, member);
      try {
        return parseNpy(contents);
      } catch (error) {
        if (error instanceof SharpnessError) throw new SharpnessError(`array "${name}": ${error.message}`);
        throw error;
      }
    },
  };
}

/** Every array in a .npz archive, by name (the member name without `.npy`). */
export function parseNpz(bytes: Uint8Array): Map<string, NdArray> {
  const archive = openNpz(bytes);
  return new Map(archive.names.map((name) => [name, archive.read(name)]));
}
