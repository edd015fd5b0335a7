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
 * Reads a sample's teacher embeddings; the image row is augmentation `epoch mod n_aug` (zooclip does
 * not replay DataCompDR's stored augmentation parameters, so it cycles through the stored views).
 * @example const t = teacherRows(fields.npz, epoch); // t.image: Float32Array(1536), t.rows: 6
 */
export function teacherRows(bytes: Uint8Array, epoch: number): TeacherRows {
  const arrays = readNpz(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const img = matrix(arrays.get('image_emb'), 'image_emb'), txt = matrix(arrays.get('text_emb'), 'text_emb');
  if (img.dim !== txt.dim) throw new Error(`npz: image_emb width ${img.dim} differs from text_emb width ${txt.dim}`);
  const row = epoch % img.rows;
  return { image: img.data.slice(row * img.dim, (row + 1) * img.dim), text: Float32Array.from(txt.data), rows: txt.rows, dim: img.dim };
}
