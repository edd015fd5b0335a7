// Strict readers for hand-written JSON specs: every value is checked for its kind and range, unknown
// keys are errors, and each error names the file and the dotted key ('seg.json: input.mean ...').

/** Reads one JSON object of a spec file; `at` is the dotted path of the object ('' at the top). */
export class JsonFields {
  private readonly obj: Record<string, unknown>;

  constructor(value: unknown, readonly file: string, readonly at: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(at || 'spec', `must be an object, got ${kindOf(value)}`);
    this.obj = value as Record<string, unknown>;
  }

  /** Throws naming the file and `key`. */
  fail(key: string, msg: string): never {
    throw new Error(`${this.file}: ${key} ${msg}`);
  }

  /** The dotted name of a key of this object. */
  key(k: string): string {
    return this.at ? `${this.at}.${k}` : k;
  }

  /** Rejects keys outside `known`. */
  only(known: readonly string[]): this {
    for (const k of Object.keys(this.obj)) {
      if (!known.includes(k)) this.fail(this.key(k), `is not a known key (known here: ${known.join(', ')})`);
    }
    return this;
  }

  has(k: string): boolean {
    return this.obj[k] !== undefined;
  }

  raw(k: string): unknown {
    return this.obj[k];
  }

  /** A nested object. */
  object(k: string): JsonFields {
    if (!this.has(k)) this.fail(this.key(k), 'is missing');
    return new JsonFields(this.obj[k], this.file, this.key(k));
  }

  string(k: string, def?: string): string {
    const v = this.obj[k] ?? def;
    if (v === undefined) this.fail(this.key(k), 'is missing');
    if (typeof v !== 'string' || v.length === 0) this.fail(this.key(k), `must be a non-empty string, got ${show(v)}`);
    return v as string;
  }

  oneOf<T extends string>(k: string, allowed: readonly T[], def?: T): T {
    const v = this.string(k, def);
    if (!allowed.includes(v as T)) this.fail(this.key(k), `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${v}'`);
    return v as T;
  }

  number(k: string, def?: number, o: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
    const v = this.obj[k] ?? def;
    if (v === undefined) this.fail(this.key(k), 'is missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(this.key(k), `must be a finite number, got ${show(v)}`);
    const n = v as number;
    if (o.integer && !Number.isInteger(n)) this.fail(this.key(k), `must be an integer, got ${n}`);
    if (o.positive && n <= 0) this.fail(this.key(k), `must be > 0, got ${n}`);
    if (o.min !== undefined && n < o.min) this.fail(this.key(k), `must be >= ${o.min}, got ${n}`);
    if (o.max !== undefined && n > o.max) this.fail(this.key(k), `must be <= ${o.max}, got ${n}`);
    return n;
  }

  /** An array of `length` finite numbers (any length when omitted). */
  numbers(k: string, length?: number, def?: number[]): number[] {
    const v = this.obj[k] ?? def;
    if (v === undefined) this.fail(this.key(k), 'is missing');
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) this.fail(this.key(k), `must be an array of finite numbers, got ${show(v)}`);
    const a = v as number[];
    if (length !== undefined && a.length !== length) this.fail(this.key(k), `must have ${length} numbers, got ${a.length}`);
    return [...a];
  }

  /** An array of non-empty strings. */
  strings(k: string): string[] {
    const v = this.obj[k];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(this.key(k), `must be an array of strings, got ${show(v)}`);
    return [...(v as string[])];
  }
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
