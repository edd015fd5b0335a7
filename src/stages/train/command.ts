// The `zooclip train` command: preset + repeated `--set key=value` overrides, `--resume`.
import { resolveConfig } from './config.js';
import { findCheckpoint, readState } from './checkpoint.js';

/** Every `--set` value of an argument list (`--set a=1`, `--set=a=1`), in order. */
export function collectSets(argv: readonly string[]): string[] {
  const sets: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--set' && argv[i + 1] !== undefined) sets.push(argv[i + 1]!);
    else if (a.startsWith('--set=')) sets.push(a.slice('--set='.length));
  });
  return sets;
}

/** Runs `zooclip train` with parsed options; `argv` gives every repeated --set. */
export async function trainCommand(o: Record<string, unknown>, argv: readonly string[]): Promise<void> {
  const sets = collectSets(argv);
  let cfg = resolveConfig({ preset: o.preset as string, sets });
  const resume = o.resume as string | undefined;
  if (resume) {
    // The checkpoint's config wins (so the run continues as it was), with this command's --set on top.
    const dir = findCheckpoint(resume, cfg.run.out);
    cfg = resolveConfig({ base: readState(dir).config, sets });
  }
  if (o['print-config']) { console.log(JSON.stringify(cfg, null, 2)); return; }
  const { runTrain } = await import('./run.js');
  await runTrain(cfg, { resume });
}
