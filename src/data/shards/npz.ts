// .npz files (a ZIP of .npy members, stored or deflated): DataCompDR keeps each sample's teacher
// embeddings in one, `image_emb` [n_aug, 1536] and `text_emb` [1 + n_syn, 1536].
import { encodeNpy, parseNpy, type NpyArray } from './npy.js';
import { listZip, readZipMember, writeZip } from './zip.js';

export type { NpyArray, NpyDType, NpyData } from './npy.js';
export { toFloat32, toHalf } from './half.js';

/**
 * Reads every array of an .npz held in memory, keyed by name without `.npy` (as numpy's NpzFile).
 * Errors name `where` and the member.
 * @example
 * const arrays = readNpz(sample.fields.get('npz')!, `${sample.shard}: ${sample.key}.npz`);
 * const img = arrays.get('image_emb')!; // { dtype: 'f2', shape: [30, 1536], data: Uint16Array }
 */
export function readNpz(buf: Buffer, where = 'npz'): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const m of listZip(buf, where)) {
    const name = m.name.endsWith('.npy') ? m.name.slice(0, -4) : m.name;
    if (out.has(name)) throw new Error(`${where}: member '${name}' appears twice`);
    const data = readZipMember(buf, m, where);
    out.set(name, parseNpy(data, `${where}: member '${name}'`));
  }
  return out;
}

/**
 * Writes arrays as an uncompressed .npz (`name.npy` members, in the given order). Deterministic.
 * @example
 * const buf = writeNpz({ image_emb: { dtype: 'f4', shape: [2, 1536], data: new Float32Array(3072) } });
 */
export function writeNpz(arrays: Map<string, NpyArray> | Record<string, NpyArray>): Buffer {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  return writeZip(entries.map(([name, a]) => ({ name: `${name}.npy`, data: encodeNpy(a, `npz writer: member '${name}'`) })));
}
