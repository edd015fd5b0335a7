// Zero-shot scoring from model.onnx's outputs, shared by the server (runner.ts) and the page
// (web/model.js loads this compiled file from /lib/zooclip-serve/): no imports, plain arrays.

/**
 * One image's logits per label from model.onnx's outputs: `image` [D] and `texts` [labels x templates, D]
 * (both normalised), and `logits` [labels x templates] = scale x cosine, from which the logit scale is
 * read (least squares over every prompt). Each label's template embeddings are averaged and
 * renormalised before the cosine (open_clip's classifier, as the public API's classify).
 * @example templateEnsembleLogits(img, txt, logits, 2) // [12.1, 9.8]
 */
export function templateEnsembleLogits(image: Float32Array, texts: Float32Array, logits: Float32Array, labels: number): number[] {
  const d = image.length, perLabel = texts.length / d / labels;
  const dot = (a: Float32Array, off: number): number => { let v = 0; for (let k = 0; k < d; k++) v += image[k]! * a[off + k]!; return v; };
  let num = 0, den = 0;
  for (let j = 0; j < logits.length; j++) { const c = dot(texts, j * d); num += logits[j]! * c; den += c * c; }
  const scale = den > 0 ? num / den : 0;
  return Array.from({ length: labels }, (_, i) => {
    const mean = new Float32Array(d);
    for (let t = 0; t < perLabel; t++) for (let k = 0; k < d; k++) mean[k]! += texts[(i * perLabel + t) * d + k]!;
    const norm = Math.hypot(...mean) || 1;
    return (scale * dot(mean, 0)) / norm;
  });
}

/**
 * The softmax of a list (max subtracted first).
 * @example softmax([0, 0]) // [0.5, 0.5]
 */
export function softmax(x: readonly number[]): number[] {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const z = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / z);
}
