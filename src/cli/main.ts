#!/usr/bin/env node
// The `zooclip` command line: parse, dispatch to commands/ (one file per command), report errors.
// Help and --version load no native code: a command's engine imports happen inside its run.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helpFor, parseArgs } from './args.js';
import { commands } from './commands/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

const COMMANDS = commands(version);

function usage(): string {
  const cmds = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(16)} ${c.help}`).join('\n');
  return `zooclip ${version}: CLIP pretraining for dense vision tasks, on libtorch\n\nUsage: zooclip <command> [options]\n\nCommands:\n${cmds}\n\nOptions: --help, --version; zooclip <command> --help for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { console.log(usage()); return 0; }
  if (cmd === '--version' || cmd === '-v') { console.log(version); return 0; }
  const c = COMMANDS[cmd];
  if (!c) { console.error(`zooclip: unknown command '${cmd}'\n\n${usage()}`); return 2; }
  if (rest.includes('--help')) { console.log(`zooclip ${cmd}: ${c.help}\n\n${helpFor(c.spec)}`); return 0; }
  const options = parseArgs(rest, c.spec, `zooclip ${cmd}`);
  // Process-wide engine settings (threads, allocator) are the CLI's choice, made once, after the
  // arguments are known to be good: loading the addon itself changes none.
  (await import('../engine/runtime.js')).configureRuntime();
  await c.run(options, rest);
  return 0;
}

// A command whose promise never settles (a lost worker, a callback never called) would let the
// event loop empty and the process exit 0 with nothing written: report it and exit 1 instead.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  console.error(`zooclip ${process.argv[2] ?? ''}: stopped before the command finished (its work ended without a result: a lost worker or an unanswered job); treat its output as incomplete`);
  process.exitCode = 1;
});

main(process.argv.slice(2)).then((code) => { settled = true; process.exitCode = code; }, (e: Error) => {
  settled = true;
  console.error(`zooclip: ${e.message}`);
  process.exitCode = 1;
});
