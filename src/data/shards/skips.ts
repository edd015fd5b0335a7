// Why a sample (or a whole shard's tail) was dropped while reading, decoding or importing, and a
// tally of those reasons. Readers keep going past bad samples: one bad member must not stop a
// training run. But a run that loses many must not look successful either: checkSkipRate turns a
// skip rate above a threshold into an error that names where it happened.

/** The reasons a sample can be skipped. */
export type SkipReason =
  | 'unsafe-path' // a member name that is absolute or climbs out with '..'
  | 'bad-name' // a member with no key or no extension (e.g. 'README', '.hidden')
  | 'duplicate-field' // the same extension twice within one sample
  | 'duplicate-key' // a key seen earlier in the same shard, not next to its first group
  | 'truncated' // the shard ends inside a member or without the end-of-archive marker
  | 'read-error' // the shard could not be opened or read
  | 'missing-field' // a required field is absent (an image, a caption, npz teacher embeddings)
  | 'bad-json' // a `json` / `*.json` field does not parse
  | 'missing-file' // import: an input file could not be read
  | 'bad-image' // the image bytes are not a JPEG/PNG/WebP that decodes (corrupt header or data, truncated, empty)
  | 'image-too-large' // the image declares more pixels than the budget (maxPixels)
  | 'bad-field' // another field does not decode (a label PNG, det.json boxes, npz, syn.json)
  | 'missing-caption'; // import: no caption for an image

/** One skip: what, where, and a message naming the shard, the key and the field. */
export interface SkipInfo {
  reason: SkipReason;
  /** The shard (or input file) the sample came from. */
  shard: string;
  /** The sample's key, when it is known. */
  key?: string;
  /** The field at fault, when there is one. */
  field?: string;
  message: string;
  /** Samples this skip stands for (default 1): a truncated shard loses all the samples after the cut. */
  count?: number;
  /** True when the samples lost are unknown (a truncated shard without an index): `count` is then a lower bound. */
  lostUnknown?: boolean;
}

/** The JSON form of a SkipStats, as stages write it into their result files. */
export interface SkipSummary {
  /** Samples skipped or lost, all reasons. */
  total: number;
  byReason: Partial<Record<SkipReason, number>>;
  /** Truncated shards whose lost samples could not be counted (no manifest or done marker): `total` is a lower bound. */
  truncatedUnknown: number;
  /** The first few skips, with the shard, key and field. */
  examples: SkipInfo[];
}

/**
 * Counts skips by reason and keeps the first few for a summary.
 * @example
 * const stats = new SkipStats();
 * for await (const s of readShards('a.tar', { onSkip: (i) => stats.add(i) })) use(s);
 * console.log(stats.summary()); // "2 skipped: bad-json 1, truncated 1"
 */
export class SkipStats {
  readonly byReason: Partial<Record<SkipReason, number>> = {};
  readonly examples: SkipInfo[] = [];
  total = 0;
  truncatedUnknown = 0;

  constructor(private readonly keepExamples = 20) {}

  /** Records one skip (which may stand for several samples, see SkipInfo.count). */
  add(info: SkipInfo): void {
    const n = info.count ?? 1;
    this.byReason[info.reason] = (this.byReason[info.reason] ?? 0) + n;
    this.total += n;
    if (info.lostUnknown) this.truncatedUnknown++;
    if (this.examples.length < this.keepExamples) this.examples.push(info);
  }

  /** Adds every count of another tally (e.g. one shard's into a run's). */
  merge(other: SkipStats): void {
    for (const [r, n] of Object.entries(other.byReason)) this.byReason[r as SkipReason] = (this.byReason[r as SkipReason] ?? 0) + n;
    this.total += other.total;
    this.truncatedUnknown += other.truncatedUnknown;
    for (const e of other.examples) if (this.examples.length < this.keepExamples) this.examples.push(e);
  }

  /** The count for one reason (0 when none). */
  count(reason: SkipReason): number {
    return this.byReason[reason] ?? 0;
  }

  /** One line: the total, then the count per reason. */
  summary(): string {
    if (this.total === 0) return '0 skipped';
    const parts = Object.entries(this.byReason).map(([r, n]) => `${r} ${n}`);
    const unknown = this.truncatedUnknown ? `; ${this.truncatedUnknown} truncated shard(s) lost an unknown number of samples (no index)` : '';
    return `${this.total} skipped: ${parts.join(', ')}${unknown}`;
  }

  /** The counts as plain JSON, for result files. */
  toJSON(): SkipSummary {
    return { total: this.total, byReason: { ...this.byReason }, truncatedUnknown: this.truncatedUnknown, examples: this.examples.slice(0, 5) };
  }
}

/**
 * Builds a SkipInfo whose message names the shard, the key and the field.
 * @example skip('bad-json', 'a.tar', 'not valid JSON', 'k007', 'det.json').message // "a.tar, key 'k007', field 'det.json': not valid JSON (bad-json, skipped)"
 */
export function skip(reason: SkipReason, shard: string, detail: string, key?: string, field?: string): SkipInfo {
  const where = [shard, key !== undefined ? `key '${key}'` : '', field !== undefined ? `field '${field}'` : ''].filter(Boolean).join(', ');
  return { reason, shard, key, field, message: `${where}: ${detail} (${reason}, skipped)` };
}

/** The default largest share of samples a stage may skip before it fails (per shard for shard stages, per pass for loaders). */
export { DEFAULT_MAX_SKIP_RATE } from '../limits.js';

/**
 * Throws when more than `maxRate` of the samples seen were skipped, naming `where`, the counts and
 * the reasons; a skip rate that high means damaged data, and a run on what is left would look
 * successful while it used a fraction of its input.
 * @example checkSkipRate(stats, 1000, 0.05, 'label: shard data/web/web-000003.tar') // throws at 51 skipped
 */
export function checkSkipRate(stats: SkipStats, seen: number, maxRate: number, where: string): void {
  if (stats.total === 0 || maxRate >= 1) return;
  const all = Math.max(seen, stats.total);
  if (stats.total / all > maxRate) {
    throw new Error(`${where}: ${stats.total} of ${all} samples skipped (${(100 * stats.total / all).toFixed(1)}%, over the limit of ${(100 * maxRate).toFixed(1)}%; ` +
      `set --max-skip-rate to change it). ${stats.summary()}. First: ${stats.examples[0]?.message ?? ''}`);
  }
}

/**
 * The skip reason of a decode error's message: the pixel budget, or bad image bytes.
 * @example imageErrorReason('decodeImage: PNG: image too large: 30000 x 30000 ...') // 'image-too-large'
 */
export function imageErrorReason(message: string): SkipReason {
  return /image too large/.test(message) ? 'image-too-large' : 'bad-image';
}
