// `zooclip demo`: a preset (quick by default) with `--set key=value` overrides and a few shortcuts.
import { collectSets } from '../train/command.js';
import { resolveDemoConfig } from './config.js';
import { runZooDemo } from './pipeline.js';

/** Runs the demo from parsed options; argv gives every repeated --set. */
export async function demoCommand(o: Record<string, unknown>, argv: readonly string[]): Promise<void> {
  const sets = [...collectSets([...argv])];
  if (o.out !== undefined) sets.push(`out=${o.out as string}`);
  if (o.device !== undefined) sets.push(`device=${o.device as string}`);
  if (o.seed !== undefined) sets.push(`seed=${o.seed as number}`);
  const cfg = resolveDemoConfig(o.preset as string, sets);
  if (o['print-config']) { console.log(JSON.stringify(cfg, null, 2)); return; }
  await runZooDemo(cfg);
}
