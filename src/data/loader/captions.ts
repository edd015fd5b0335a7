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

/**
 * Picks one caption for a sample from its `txt` and `syn.json` fields.
 * @example selectCaption(fields.get('txt'), fields.get('syn.json'), { mode: 'mix', realProb: 0.2 }, epoch, rng)
 */
export function selectCaption(txt: Uint8Array | undefined, syn: Uint8Array | undefined, cfg: CaptionConfig, epoch: number, rng: Rng): string {
  const real = txt ? decoder.decode(txt).trim() : undefined;
  const synthetic = cfg.mode === 'txt' && real !== undefined ? [] : syntheticCaptions(syn);
  const pickSyn = (): string | undefined => {
    if (!synthetic.length) return undefined;
    return cfg.mode === 'sequential' ? synthetic[epoch % synthetic.length] : synthetic[rng.int(synthetic.length)];
  };
  switch (cfg.mode) {
    case 'txt': return real ?? pickSyn() ?? '';
    case 'mix': return (rng.chance(cfg.realProb ?? 0.5) ? real ?? pickSyn() : pickSyn() ?? real) ?? '';
    default: return pickSyn() ?? real ?? '';
  }
}
