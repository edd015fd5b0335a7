// The layering check (.dependency-cruiser.cjs, run by `npm test`) is real: on a tiny tree with an
// upward import and a runtime import cycle it reports both, and on src/ it reports nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const depcruise = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

// CI may force colour (FORCE_COLOR), which puts escape codes inside the file names: ask for plain
// text and strip any escape codes that still come.
const plainEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
const ansi = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');

function cruise(cwd: string): { status: number | null; out: string } {
  const args = [depcruise, 'src', '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'err'];
  const r = spawnSync(process.execPath, args, { cwd, env: plainEnv, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: (r.stdout + r.stderr).replace(ansi, '') };
}

test('the cycle and layer check fails on an upward import and a runtime cycle', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-layers-'));
  try {
    const files: Record<string, string> = {
      'src/engine/a.ts': "import { b } from '../cli/b.js';\nexport const a = (): number => b + 1;\n",
      'src/cli/b.ts': 'export const b = 1;\n',
      'src/data/x.ts': "import { y } from './y.js';\nexport const x = (): number => y() + 1;\n",
      'src/data/y.ts': "import { x } from './x.js';\nexport const y = (): number => x() + 1;\n",
      'src/data/t.ts': "import type { U } from './u.js';\nexport interface T { u?: U }\n",
      'src/data/u.ts': "import type { T } from './t.js';\nexport interface U { t?: T }\n",
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true }, include: ['src'] }),
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = cruise(dir);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /no-upward-from-engine: src\/engine\/a\.ts → src\/cli\/b\.ts/);
    assert.match(r.out, /no-circular: src\/data\/(x|y)\.ts/);
    assert.doesNotMatch(r.out, /src\/data\/(t|u)\.ts/, 'a cycle of type-only imports is allowed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('src/ passes the layering check', { timeout: 300_000 }, () => {
  const r = cruise(repo);
  assert.equal(r.status, 0, r.out);
});
