// Why a sample (or a whole shard's tail) was dropped while reading or importing, and a tally of
// those reasons. Readers keep going past bad samples: one bad member must not stop a training run.

/** The reasons a sample can be skipped. */
export type SkipReason =
  | 'unsafe-path' // a member name that is absolute or climbs out with '..'
  | 'bad-name' // a member with no key or no extension (e.g. 'README', '.hidden')
  | 'duplicate-field' // the same extension twice within one sample
  | 'duplicate-key' // a key seen earlier in the same shard, not next to its first group
  | 'truncated' // the shard ends inside a member or without the end-of-archive marker
  | 'read-error' // the shard could not be opened or read
  | 'missing-field' // a required field is absent
  | 'bad-json' // a `json` / `*.json` field does not parse
  | 'missing-file' // import: an input file could not be read
  | 'bad-image' // import: the bytes are not a JPEG/PNG/WebP
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
}

/**
 * Counts skips by reason and keeps the first few messages for a summary.
 * @example
 * const stats = new SkipStats();
 * for await (const s of readShards('a.tar', { onSkip: (i) => stats.add(i) })) use(s);
 * console.log(stats.summary()); // "2 skipped: bad-json 1, truncated 1"
 */
export class SkipStats {
  readonly byReason: Partial<Record<SkipReason, number>> = {};
  readonly examples: SkipInfo[] = [];
  total = 0;

  constructor(private readonly keepExamples = 20) {}

  /** Records one skip. */
  add(info: SkipInfo): void {
    this.byReason[info.reason] = (this.byReason[info.reason] ?? 0) + 1;
    this.total++;
    if (this.examples.length < this.keepExamples) this.examples.push(info);
  }

  /** The count for one reason (0 when none). */
  count(reason: SkipReason): number {
    return this.byReason[reason] ?? 0;
  }

  /** One line: the total, then the count per reason. */
  summary(): string {
    if (this.total === 0) return '0 skipped';
    const parts = Object.entries(this.byReason).map(([r, n]) => `${r} ${n}`);
    return `${this.total} skipped: ${parts.join(', ')}`;
  }
}

/** Builds a SkipInfo whose message names the shard, the key and the field. */
export function skip(reason: SkipReason, shard: string, detail: string, key?: string, field?: string): SkipInfo {
  const where = [shard, key !== undefined ? `key '${key}'` : '', field !== undefined ? `field '${field}'` : ''].filter(Boolean).join(', ');
  return { reason, shard, key, field, message: `${where}: ${detail} (${reason}, skipped)` };
}
