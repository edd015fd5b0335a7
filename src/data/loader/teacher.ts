// Stored teacher embeddings (DataCompDR's `npz`: image_emb [n_aug, D], text_emb [1 + n_syn, D])
// as a worker hands them on: one image row and every text row, in float32.
import { readNpz, toFloat32, type NpyArray } from '../shards/npz.js';

/** A sample's teacher embeddings: one image row [dim] and `rows` text rows [rows * dim] (0 = real caption, 1 + k = synthetic k). */
export interface TeacherRows { image: Float32Array; text: Float32Array; rows: number; dim: number }

function matrix(a: NpyArray | undefined, name: string): { rows: number; dim: number; data: Float32Array } {
  if (!a) throw new Error(`npz: no '${name}' array (DataCompDR layout: image_emb [n_aug, D], text_emb [1 + n_syn, D])`);
  if (a.shape.length !== 2 || a.shape[0]! < 1) throw new Error(`npz: '${name}' must be [n, D] with n >= 1, got [${a.shape}]`);
  if (a.dtype !== 'f2' && a.dtype !== 'f4') throw new Error(`npz: '${name}' must be float16 or float32, got ${a.dtype}`);
  return { rows: a.shape[0]!, dim: a.shape[1]!, data: toFloat32(a) };
}

/**
 * Reads a sample's teacher embeddings with image row `row(n_aug)`, chosen by the caller: the stored
 * view the loader replays (paug.json), or `epoch mod n_aug` for a sample without stored parameters.
 * @example const t = teacherRows(fields.npz, (n) => epoch % n); // t.image: Float32Array(1536), t.rows: 6
 */
export function teacherRows(bytes: Uint8Array, row: (nAug: number) => number): TeacherRows {
  const arrays = readNpz(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const img = matrix(arrays.get('image_emb'), 'image_emb'), txt = matrix(arrays.get('text_emb'), 'text_emb');
  if (img.dim !== txt.dim) throw new Error(`npz: image_emb width ${img.dim} differs from text_emb width ${txt.dim}`);
  const k = row(img.rows);
  if (!(Number.isInteger(k) && k >= 0 && k < img.rows)) throw new Error(`npz: image_emb row ${k} asked, it has ${img.rows}`);
  return { image: img.data.slice(k * img.dim, (k + 1) * img.dim), text: Float32Array.from(txt.data), rows: txt.rows, dim: img.dim };
}
