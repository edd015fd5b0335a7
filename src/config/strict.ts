// Strict layered configuration: a defaults object fixes the schema (every key and its type); layers
// (preset files, dotted command-line overrides) may only set keys that exist, with values of the
// same type. Unknown keys and wrong types are errors that name the key and where it came from.

/** A plain JSON object. */
export type JsonObject = { [k: string]: unknown };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/**
 * Returns a deep copy of `base` with `layer` merged in; every key of `layer` must exist in `base`
 * with the same kind of value (number, string, boolean, array, object).
 * @example mergeStrict({ a: { b: 1 } }, { a: { b: 2 } }, 'preset x.json') // { a: { b: 2 } }
 */
export function mergeStrict<T extends JsonObject>(base: T, layer: unknown, source: string, path = ''): T {
  if (!isObject(layer)) throw new Error(`${source}: ${path || 'config'} must be an object, got ${kind(layer)}`);
  const out: JsonObject = structuredClone(base);
  for (const [k, v] of Object.entries(layer)) {
    const key = path ? `${path}.${k}` : k;
    if (!(k in base)) throw new Error(`${source}: unknown key '${key}' (known: ${Object.keys(base).map((n) => (path ? `${path}.${n}` : n)).join(', ')})`);
    const def = base[k];
    if (isObject(def)) out[k] = mergeStrict(def, v, source, key);
    else if (kind(def) !== kind(v)) throw new Error(`${source}: '${key}' must be ${kind(def)}, got ${kind(v)} ${JSON.stringify(v)}`);
    else out[k] = structuredClone(v);
  }
  return out as T;
}

/** Reads a command-line value in the type of the default it replaces ('1e-3' -> 0.001, 'true' -> true, JSON for arrays). */
export function parseValueLike(def: unknown, raw: string, key: string): unknown {
  switch (kind(def)) {
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`--set ${key}: expected a number, got '${raw}'`);
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new Error(`--set ${key}: expected true or false, got '${raw}'`);
      return raw === 'true';
    case 'string':
      return raw;
    default:
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new Error(`--set ${key}: expected JSON (${kind(def)}), got '${raw}'`);
      }
  }
}

/**
 * Turns `key.path=value` assignments into one nested layer, each value typed like its default.
 * @example dottedLayer({ optim: { lr: 0.1 } }, ['optim.lr=1e-3']) // { optim: { lr: 0.001 } }
 */
export function dottedLayer(defaults: JsonObject, assignments: readonly string[]): JsonObject {
  const layer: JsonObject = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`--set '${a}': expected key.path=value`);
    const key = a.slice(0, eq), raw = a.slice(eq + 1);
    const parts = key.split('.');
    let def: unknown = defaults, node = layer;
    parts.forEach((p, i) => {
      if (!isObject(def) || !(p in def)) throw new Error(`--set: unknown key '${key}'${isObject(def) ? ` (known at '${parts.slice(0, i).join('.') || 'top'}': ${Object.keys(def).join(', ')})` : ''}`);
      def = def[p];
      if (i === parts.length - 1) {
        if (isObject(def)) throw new Error(`--set ${key}: is a section; set one of its keys (${Object.keys(def).join(', ')})`);
        node[p] = parseValueLike(def, raw, key);
      } else {
        node = (node[p] ??= {}) as JsonObject;
      }
    });
  }
  return layer;
}
