// `zooclip --help`, `--version` and every `zooclip <command> --help` work without the native
// addon: a user without libtorch (or before the build) can still read the CLI. The child process
// gets a process.dlopen that throws, so any .node load fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const NO_ADDON = 'data:text/javascript,process.dlopen=(m,f)=>{throw new Error("native code loaded: "+f)}';

function cli(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', NO_ADDON, main, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('help and version load no native code', { timeout: 300_000 }, () => {
  const top = cli(['--help']);
  assert.equal(top.status, 0, top.out);
  assert.match(top.out, /Usage: zooclip <command>/);
  for (const name of Object.keys(commands('0'))) {
    assert.match(top.out, new RegExp(`\\n  ${name} +\\S`), `--help lists ${name}`);
    const r = cli([name, '--help']);
    assert.equal(r.status, 0, `${name} --help: ${r.out}`);
    assert.match(r.out, new RegExp(`^zooclip ${name}: `), r.out);
  }
  const v = cli(['--version']);
  assert.equal(v.status, 0, v.out);
});

test('the guard is real: a command that needs the engine fails under it, naming the addon', { timeout: 120_000 }, () => {
  const r = cli(['info']);
  assert.equal(r.status, 1);
  assert.match(r.out, /native code loaded: .*zooclip_native\.node/);
});
