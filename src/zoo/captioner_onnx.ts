// The ONNX captioner plugin: an image encoder (image -> image tokens) and a text decoder (image tokens
// + token ids [B, T] -> logits [B, T, V]) exported from e.g. BLIP or CoCa, run by onnxruntime-node
// and described by a JSON spec (src/zoo/onnx_spec.ts). The shared caption search (src/decoding)
// drives it; each step re-runs the decoder on the live rows' whole prefixes (no cache).
import type { CaptionOptions, Captioner, RgbImage } from './types.js';
import { readOnnxCaptionerSpec, type OnnxCaptionerSpec } from './onnx_spec.js';
import { closeModel, floatTensor, idTensor, inputMeta, openModel, outputMeta, runModel, type OrtModel, type OrtOptions } from './onnx/session.js';
import { imagesToInput, inputSizeFor } from './onnx/preprocess.js';
import { captionSearch, runSearchAsync, type Logits } from '../decoding/index.js';
import { tokenText, type TokenText } from './onnx/token_text.js';

/** Most decoder rows per run (rows are images x captions, or beams). */
const MAX_DECODER_ROWS = 64;

/** One image's encoder output (its slice of [B, ...rest]). */
interface ImageTokens { data: Float32Array; dims: number[] }

class OnnxCaptioner implements Captioner {
  readonly name: string;

  constructor(
    private readonly spec: OnnxCaptionerSpec,
    private readonly encoder: OrtModel,
    private readonly decoder: OrtModel,
    private readonly idType: 'int64' | 'int32',
    private readonly text: TokenText,
  ) {
    this.name = spec.name;
  }

  async caption(images: RgbImage[], keys: string[], o: CaptionOptions): Promise<string[][]> {
    if (keys.length !== images.length) throw new Error(`${this.name}: ${images.length} images but ${keys.length} keys`);
    if (images.length === 0) return [];
    const tokens = await this.encode(images);
    const maxLength = Math.min(o.maxLength, this.spec.decoder.maxContext ?? Infinity);
    const search = captionSearch(keys, { ...o, maxLength }, this.spec.tokenizer);
    const ids = await runSearchAsync(search, (req) => this.step(tokens, req.rows, req.image));
    return ids.map((caps) => caps.map((c) => this.text.decode(c)));
  }

  private async encode(images: readonly RgbImage[]): Promise<ImageTokens[]> {
    const { input, output } = this.spec.encoder;
    const out: ImageTokens[] = [];
    for (let i = 0; i < images.length;) {
      const size = inputSizeFor(images[i], input);
      let j = i + 1;
      while (j < images.length && j - i < input.batch && inputSizeFor(images[j], input).join() === size.join()) j++;
      const { data, dims } = imagesToInput(images.slice(i, j), input, size);
      const res = (await runModel(this.encoder, { [input.name]: floatTensor(data, dims) }, [output]))[output];
      if (res.dims[0] !== j - i) throw new Error(`${this.encoder.file}: output '${output}' has shape [${res.dims.join(', ')}], expected batch ${j - i} first`);
      const per = res.data.length / (j - i);
      for (let k = 0; k < j - i; k++) out.push({ data: res.data.subarray(k * per, (k + 1) * per), dims: res.dims.slice(1) });
      i = j;
    }
    return out;
  }

  /** Runs the decoder on rows (in chunks) and returns each row's last-position logits. */
  private async step(tokens: readonly ImageTokens[], rows: readonly (readonly number[])[], imageOf: readonly number[]): Promise<Logits> {
    const d = this.spec.decoder;
    const t = rows[0].length;
    const parts: Float32Array[] = [];
    let vocab = 0;
    for (let s = 0; s < rows.length; s += MAX_DECODER_ROWS) {
      const chunk = rows.slice(s, s + MAX_DECODER_ROWS), imgs = imageOf.slice(s, s + MAX_DECODER_ROWS);
      const per = tokens[0].data.length;
      const img = new Float32Array(chunk.length * per);
      imgs.forEach((i, r) => img.set(tokens[i].data, r * per));
      const feeds = { [d.tokens]: idTensor(chunk.flat(), [chunk.length, t], this.idType), [d.imageTokens]: floatTensor(img, [chunk.length, ...tokens[0].dims]) };
      const res = (await runModel(this.decoder, feeds, [d.output]))[d.output];
      if (res.dims.length !== 3 || res.dims[0] !== chunk.length || res.dims[1] !== t) {
        throw new Error(`${this.decoder.file}: output '${d.output}' has shape [${res.dims.join(', ')}], expected [${chunk.length}, ${t}, vocab]`);
      }
      vocab = res.dims[2];
      if (vocab > this.text.size) throw new Error(`${this.decoder.file}: logits cover ${vocab} ids but the tokenizer vocabulary has ${this.text.size}`);
      const last = new Float32Array(chunk.length * vocab);
      for (let r = 0; r < chunk.length; r++) last.set(res.data.subarray((r * t + t - 1) * vocab, (r * t + t) * vocab), r * vocab);
      parts.push(last);
    }
    if (parts.length === 1) return { data: parts[0], vocab };
    const data = new Float32Array(rows.length * vocab);
    parts.reduce((off, p) => (data.set(p, off), off + p.length), 0);
    return { data, vocab };
  }

  dispose(): void {
    closeModel(this.encoder);
    closeModel(this.decoder);
  }
}

function tokenType(m: OrtModel, name: string): 'int64' | 'int32' {
  const meta = inputMeta(m, name, 'decoder.tokens');
  const type = meta.isTensor ? meta.type : undefined;
  if (type !== 'int64' && type !== 'int32') throw new Error(`decoder.tokens: ${m.file} input '${name}' is ${type ?? 'not a tensor'}, expected int64 or int32`);
  return type;
}

/**
 * Loads an ONNX captioner (encoder + decoder + tokenizer facts) from its JSON spec.
 *
 * @example
 * const cap = await loadOnnxCaptioner('models/blip/captioner.json', { threads: 2 });
 * const [[text]] = await cap.caption([image], ['sample-0'], { ...DEFAULT_CAPTION_OPTIONS, n: 1 });
 * cap.dispose();
 */
export async function loadOnnxCaptioner(specPath: string, o: OrtOptions = {}): Promise<Captioner> {
  const spec = readOnnxCaptionerSpec(specPath);
  const t = spec.tokenizer;
  const text = tokenText(t.vocab, [t.start, t.end, t.pad]);
  for (const k of ['start', 'end', 'pad'] as const) {
    if (t[k] >= text.size) throw new Error(`${specPath}: tokenizer.${k} ${t[k]} is outside the vocabulary (${text.size} tokens)`);
  }
  const encoder = await openModel(spec.encoder.model, o);
  let decoder: OrtModel | undefined;
  try {
    inputMeta(encoder, spec.encoder.input.name, 'encoder.input.name');
    outputMeta(encoder, spec.encoder.output, 'encoder.output');
    decoder = await openModel(spec.decoder.model, o);
    const idType = tokenType(decoder, spec.decoder.tokens);
    inputMeta(decoder, spec.decoder.imageTokens, 'decoder.imageTokens');
    outputMeta(decoder, spec.decoder.output, 'decoder.output');
    return new OnnxCaptioner(spec, encoder, decoder, idType, text);
  } catch (e) {
    closeModel(encoder);
    if (decoder) closeModel(decoder);
    throw new Error(`${specPath}: ${(e as Error).message}`);
  }
}
