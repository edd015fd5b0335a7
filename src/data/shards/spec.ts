// Shard lists from WebDataset-style specs: brace ranges (`web-{000000..000127}.tar`, padding
// kept), brace lists (`{train,val}`), several specs joined by commas or `::`.

const MAX_EXPANSION = 10_000_000;

/** Splits `s` on `sep` where it is not inside braces. */
function splitTop(s: string, seps: string[]): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0) {
      const sep = seps.find((p) => s.startsWith(p, i));
      if (sep) { out.push(s.slice(start, i)); start = i + sep.length; i += sep.length - 1; }
    }
  }
  out.push(s.slice(start));
  return out;
}

function range(spec: string, a: string, b: string): string[] {
  const lo = Number(a);
  const hi = Number(b);
  const n = Math.abs(hi - lo) + 1;
  if (n > MAX_EXPANSION) throw new Error(`shard spec '${spec}': range {${a}..${b}} has ${n} items (limit ${MAX_EXPANSION})`);
  const padded = (/^-?0\d/.test(a) || /^-?0\d/.test(b));
  const width = padded ? Math.max(a.length, b.length) : 0;
  const step = hi >= lo ? 1 : -1;
  const out: string[] = [];
  for (let v = lo; ; v += step) {
    out.push(v < 0 ? '-' + String(-v).padStart(width - 1, '0') : String(v).padStart(width, '0'));
    if (v === hi) break;
  }
  return out;
}

function expandOne(spec: string, s: string): string[] {
  const open = s.indexOf('{');
  if (open < 0) {
    if (s.includes('}')) throw new Error(`shard spec '${spec}': unmatched '}'`);
    return [s];
  }
  let depth = 0;
  let close = -1;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) { close = i; break; }
  }
  if (close < 0) throw new Error(`shard spec '${spec}': unmatched '{'`);
  if (s.slice(0, open).includes('}')) throw new Error(`shard spec '${spec}': unmatched '}'`);
  const inner = s.slice(open + 1, close);
  const m = /^(-?\d+)\.\.(-?\d+)$/.exec(inner);
  const alts = m ? range(spec, m[1], m[2]) : splitTop(inner, [',']).flatMap((a) => expandOne(spec, a));
  if (!m && alts.length < 2) throw new Error(`shard spec '${spec}': '{${inner}}' is neither a range {a..b} nor a list {a,b}`);
  const rest = expandOne(spec, s.slice(close + 1));
  const head = s.slice(0, open);
  if (alts.length * rest.length > MAX_EXPANSION) throw new Error(`shard spec '${spec}': expands to more than ${MAX_EXPANSION} names`);
  return alts.flatMap((a) => rest.map((r) => head + a + r));
}

/**
 * Expands a shard spec (or several) into the list of shard paths, in order.
 * @example
 * expandShardSpec('data/web-{000000..000002}.tar')
 * // ['data/web-000000.tar', 'data/web-000001.tar', 'data/web-000002.tar']
 * expandShardSpec('a-{0..1}.tar,b.tar') // ['a-0.tar', 'a-1.tar', 'b.tar']
 */
export function expandShardSpec(spec: string | string[]): string[] {
  const specs = Array.isArray(spec) ? spec : [spec];
  const out: string[] = [];
  for (const sp of specs) {
    for (const part of splitTop(sp, ['::', ','])) {
      const p = part.trim();
      if (p.length > 0) out.push(...expandOne(sp, p));
    }
  }
  return out;
}

/**
 * The shards one rank reads: shard i goes to rank i mod worldSize, so every shard is read by
 * exactly one rank. Ranks get equal counts when the shard count divides by worldSize.
 * @example shardsForRank(['a', 'b', 'c'], 1, 2) // ['b']
 */
export function shardsForRank<T>(list: readonly T[], rank: number, worldSize: number): T[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`shardsForRank: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new Error(`shardsForRank: rank ${rank} is outside [0, ${worldSize})`);
  return list.filter((_, i) => i % worldSize === rank);
}
