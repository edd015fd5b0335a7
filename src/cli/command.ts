// What a CLI command is: its help line, its options, and what it runs. Each command lives in
// commands/<name>.ts and imports only light modules at load time (the engine and the native addon
// load inside `run`), so `zooclip --help` and `zooclip <command> --help` work without libtorch.
import type { OptionSpec } from './args.js';

/** One `zooclip <name>` command. */
export interface Command {
  /** The line `zooclip --help` shows. */
  help: string;
  spec: Record<string, OptionSpec>;
  /** Runs with the parsed options; `argv` (the raw arguments after the name) gives repeated options. */
  run(o: Record<string, unknown>, argv: readonly string[]): Promise<void>;
}

/**
 * Every value of a repeatable option (`--name a` and `--name=a`), in order.
 * @example repeated(['--set', 'a=1', '--set=b=2'], 'set') // ['a=1', 'b=2']
 */
export function repeated(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === `--${name}` && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  });
  return out;
}

/**
 * Every `--set` value of an argument list (`--set a=1`, `--set=a=1`), in order.
 * @example collectSets(['--set', 'optim.lr=1e-3']) // ['optim.lr=1e-3']
 */
export function collectSets(argv: readonly string[]): string[] {
  return repeated(argv, 'set');
}

/**
 * The config fields given on a command line (kebab-case options renamed by `rename`; --resume left out).
 * @example givenFields({ steps: 10, 'checkpoint-every': 5 }, { 'checkpoint-every': 'checkpointEvery' }) // { steps: 10, checkpointEvery: 5 }
 */
export function givenFields<T>(o: Record<string, unknown>, rename: Record<string, string>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'resume') out[rename[k] ?? k] = v;
  return out as Partial<T>;
}
