// Per-sample checks applied after grouping: required fields present, JSON fields parse.
import { skip, type SkipInfo } from './skips.js';
import type { RawSample } from './reader.js';

/** True for fields holding JSON: `json` and any `*.json` (`syn.json`, `det.json`, ...). */
export function isJsonField(ext: string): boolean {
  return ext === 'json' || ext.endsWith('.json');
}

/**
 * Checks that every required field exists (an entry like `jpg|png|webp` accepts any of its
 * alternatives) and that every JSON field parses. Returns why the sample should be skipped, or
 * undefined when it is fine.
 * @example
 * const why = validateSample(sample, ['jpg|png|webp', 'txt']);
 * if (why) stats.add(why); else use(sample);
 */
export function validateSample(sample: RawSample, required: readonly string[] = [], checkJson = true): SkipInfo | undefined {
  for (const r of required) {
    const alts = r.split('|');
    if (!alts.some((a) => sample.fields.has(a))) {
      return skip('missing-field', sample.shard, `required field '${r}' is missing (has ${[...sample.fields.keys()].join(', ') || 'none'})`, sample.key, r);
    }
  }
  if (!checkJson) return undefined;
  for (const [ext, buf] of sample.fields) {
    if (!isJsonField(ext)) continue;
    try {
      JSON.parse(buf.toString('utf8'));
    } catch (e) {
      return skip('bad-json', sample.shard, `not valid JSON (${(e as Error).message})`, sample.key, ext);
    }
  }
  return undefined;
}
