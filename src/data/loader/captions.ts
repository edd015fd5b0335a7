// Which caption a sample trains with: the original `txt`, a synthetic one from `syn.json`
// (uniformly or by epoch), or a mix of both with a probability, as DataCompDR trains.
import type { Rng } from './rng.js';

/**
 * - `txt`: the original caption (a synthetic one when there is none)
 * - `syn`: a synthetic caption chosen uniformly (the original when there are none)
 * - `sequential`: synthetic caption number epoch mod count
 * - `mix`: the original with probability `realProb`, else a uniform synthetic one
 */
export type CaptionMode = 'txt' | 'syn' | 'sequential' | 'mix';

/** Caption selection settings. */
export interface CaptionConfig {
  mode: CaptionMode;
  /** For `mix`: chance of the original caption (default 0.5). */
  realProb?: number;
}

const decoder = new TextDecoder();

/** The synthetic captions of a sample (`syn.json` = {"syn_text": [...]}); [] when absent or malformed. */
export function syntheticCaptions(syn: Uint8Array | undefined): string[] {
  if (!syn) return [];
  try {
    const parsed = JSON.parse(decoder.decode(syn)) as { syn_text?: unknown };
    return Array.isArray(parsed.syn_text) ? parsed.syn_text.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** A chosen caption and where it came from: 0 = the original `txt`, 1 + k = synthetic caption k. */
export interface ChosenCaption { text: string; index: number }

/**
 * Picks one caption for a sample from its `txt` and `syn.json` fields, with its index (the row of
 * DataCompDR's `text_emb`: 0 real, 1 + k synthetic k).
 * @example selectCaptionIndexed(fields.get('txt'), fields.get('syn.json'), { mode: 'syn' }, epoch, rng) // { text: 'a red cube ...', index: 3 }
 */
export function selectCaptionIndexed(txt: Uint8Array | undefined, syn: Uint8Array | undefined, cfg: CaptionConfig, epoch: number, rng: Rng): ChosenCaption {
  const real = txt ? decoder.decode(txt).trim() : undefined;
  const synthetic = cfg.mode === 'txt' && real !== undefined ? [] : syntheticCaptions(syn);
  const pickSyn = (): ChosenCaption | undefined => {
    if (!synthetic.length) return undefined;
    const k = cfg.mode === 'sequential' ? epoch % synthetic.length : rng.int(synthetic.length);
    return { text: synthetic[k]!, index: 1 + k };
  };
  const original = real === undefined ? undefined : { text: real, index: 0 };
  switch (cfg.mode) {
    case 'txt': return original ?? pickSyn() ?? { text: '', index: 0 };
    case 'mix': return (rng.chance(cfg.realProb ?? 0.5) ? original ?? pickSyn() : pickSyn() ?? original) ?? { text: '', index: 0 };
    default: return pickSyn() ?? original ?? { text: '', index: 0 };
  }
}

/**
 * Picks one caption for a sample from its `txt` and `syn.json` fields.
 * @example selectCaption(fields.get('txt'), fields.get('syn.json'), { mode: 'mix', realProb: 0.2 }, epoch, rng)
 */
export function selectCaption(txt: Uint8Array | undefined, syn: Uint8Array | undefined, cfg: CaptionConfig, epoch: number, rng: Rng): string {
  return selectCaptionIndexed(txt, syn, cfg, epoch, rng).text;
}
