#!/usr/bin/env node
// npm's install step for zooclip: builds the native addon when libtorch is on this machine, and
// otherwise says what to run. It never installs system packages and never asks for sudo
// (scripts/setup.sh is the one place that does, when you run it yourself).
// ZOOCLIP_SKIP_BUILD=1 skips the build (e.g. to only use `zooclip --help`, or to build later).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'zooclip_native.node');
const HOW = [
  'zooclip: the native addon (libtorch) is not built, so only `zooclip --help` works until it is.',
  '  Needs: libtorch (LIBTORCH=<folder>, a Python torch, or Debian: apt-get install libtorch-dev libgloo-dev libopenblas0-openmp),',
  '         image codecs (Debian: apt-get install libturbojpeg0-dev libspng-dev libwebp-dev), g++ and make.',
  '  Then:  npm rebuild zooclip    (or, in a clone of the repository: bash scripts/setup.sh)',
].join('\n');

function run(cmd, args) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;
}

/** True when the addon exists and is newer than every native source. */
function upToDate() {
  if (!existsSync(addon)) return false;
  const built = statSync(addon).mtimeMs;
  const sources = readdirSync(join(root, 'native')).map((f) => join(root, 'native', f)).concat(join(root, 'binding.gyp'));
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

function main() {
  if (process.env.ZOOCLIP_SKIP_BUILD === '1') { console.log(`zooclip: ZOOCLIP_SKIP_BUILD=1, addon build skipped\n${HOW}`); return 0; }
  const found = run(process.execPath, [join(root, 'scripts', 'find-libtorch.mjs')]);
  if (found === 3) { console.log(HOW); return 0; }
  if (found !== 0) return found;
  if (upToDate()) { console.log('zooclip: native addon up to date'); return 0; }
  // npm puts its bundled node-gyp on PATH for install scripts; a repository checkout has its own.
  const local = join(root, 'node_modules', '.bin', 'node-gyp');
  const status = run(existsSync(local) ? local : 'node-gyp', ['rebuild', '-j', 'max']);
  if (status !== 0) console.error(`zooclip: the native addon build failed (above).\n${HOW}`);
  return status;
}

process.exitCode = main();
