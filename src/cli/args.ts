// A small, strict argument parser: --key value / --key=value / --flag, unknown options are errors.
export interface OptionSpec { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean; help: string }
export type Parsed = Record<string, string | number | boolean>;

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): Parsed {
  const out: Parsed = {};
  for (const [k, s] of Object.entries(spec)) if (s.default !== undefined) out[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`${command}: unexpected argument '${arg}'`);
    // Split at the first '=' only: a value may hold more (--model=template:seg=runs/a,det=runs/b).
    const eq = arg.indexOf('=');
    const rawKey = eq < 0 ? arg.slice(2) : arg.slice(2, eq), inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const s = spec[rawKey];
    if (!s) throw new Error(`${command}: unknown option --${rawKey} (options: ${Object.keys(spec).map((k) => '--' + k).join(', ')})`);
    if (s.type === 'boolean') { out[rawKey] = inline === undefined ? true : inline !== 'false'; continue; }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${command}: --${rawKey} needs a value`);
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${command}: --${rawKey} expects a number, got '${value}'`);
      out[rawKey] = n;
    } else out[rawKey] = value;
  }
  return out;
}

export function helpFor(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec).map(([k, s]) => `  --${k.padEnd(14)} ${s.help}${s.default !== undefined ? ` (default ${s.default})` : ''}`).join('\n');
}
