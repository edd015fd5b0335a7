// The caption stage: every sample of the input shards gets `syn.json` = {"syn_text": [...]},
// n captions from a captioner plugin, next to its untouched fields (see src/zoo/shard_map.ts).
import { mapShards, stageRunFields, type ShardMapResult, type StageRunOptions } from '../../zoo/shard_map.js';
import { DEFAULT_CAPTION_OPTIONS, type CaptionOptions, type Captioner } from '../../zoo/types.js';

/** Settings of {@link runCaption}. */
export interface CaptionRunOptions extends StageRunOptions {
  /** Caption generation (defaults: DataCompDR's 5 captions, top-p 0.9). */
  caption?: Partial<CaptionOptions>;
}

/** Checks caption options, naming the bad one. */
export function checkCaptionOptions(o: CaptionOptions): void {
  const bad = (m: string): never => { throw new Error(`caption: ${m}`); };
  if (!(Number.isInteger(o.n) && o.n >= 1)) bad(`--n must be a positive integer, got ${o.n}`);
  if (!['greedy', 'beam', 'sample'].includes(o.strategy)) bad(`--strategy must be greedy, beam or sample, got '${o.strategy}'`);
  if (!(o.topP > 0 && o.topP <= 1)) bad(`--top-p must be in (0, 1], got ${o.topP}`);
  if (!(o.temperature > 0)) bad(`--temperature must be above 0, got ${o.temperature}`);
  if (!(Number.isInteger(o.beams) && o.beams >= 1)) bad(`--beams must be a positive integer, got ${o.beams}`);
  if (!(Number.isInteger(o.maxLength) && o.maxLength >= 1)) bad(`--max-length must be a positive integer, got ${o.maxLength}`);
  if (!Number.isInteger(o.seed)) bad(`--seed must be an integer, got ${o.seed}`);
}

/**
 * Captions this rank's shards with `captioner` (which the caller owns and disposes).
 * @example
 * const c = await loadCaptioner('runs/captioner');
 * try { await runCaption(c, { in: 'data/synth/web', out: 'data/web-cap', caption: { n: 5, topP: 0.9 } }); } finally { c.dispose(); }
 */
export async function runCaption(captioner: Captioner, o: CaptionRunOptions): Promise<ShardMapResult> {
  const opts: CaptionOptions = { ...DEFAULT_CAPTION_OPTIONS, ...o.caption };
  checkCaptionOptions(opts);
  return mapShards({
    stage: 'caption', ...stageRunFields(o), batch: o.batch ?? 32, adds: ['syn.json'], settings: { model: captioner.name, ...opts },
    map: async (batch) => {
      const texts = await captioner.caption(batch.map((s) => s.image), batch.map((s) => s.key), opts);
      if (texts.length !== batch.length) throw new Error(`caption: ${captioner.name} returned ${texts.length} caption lists for ${batch.length} images`);
      return texts.map((t, i) => {
        if (!Array.isArray(t) || t.some((x) => typeof x !== 'string')) throw new Error(`caption: ${captioner.name} gave no caption list for key ${batch[i]!.key}`);
        return { 'syn.json': JSON.stringify({ syn_text: t }) };
      });
    },
  });
}
