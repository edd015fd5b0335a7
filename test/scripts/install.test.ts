// npm's install step (scripts/install.mjs) on machines without libtorch, with a broken libtorch,
// and when told to skip: it never installs anything, says what to run, and fails only when a build
// it could attempt fails. The libtorch finder is replaced by a stub that exits as the real one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A package folder with install.mjs, a finder stub exiting `code`, and an empty native/. */
function fakePackage(code: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-install-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'native'));
  copyFileSync(join(repo, 'scripts', 'install.mjs'), join(dir, 'scripts', 'install.mjs'));
  writeFileSync(join(dir, 'scripts', 'find-libtorch.mjs'), `console.error('[libtorch] stub'); process.exit(${code});\n`);
  writeFileSync(join(dir, 'binding.gyp'), '{}');
  return dir;
}

function install(dir: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'install.mjs')], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: '/usr/bin:/bin', ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('install: no libtorch -> exit 0 and what to install; never apt or sudo', { timeout: 120_000 }, () => {
  const dir = fakePackage(3);
  try {
    const r = install(dir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /native addon \(libtorch\) is not built/);
    assert.match(r.out, /npm rebuild zooclip/);
    assert.doesNotMatch(r.out, /apt-get install -y|sudo apt/, 'it says what to run; it runs nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install: a broken libtorch fails the install; ZOOCLIP_SKIP_BUILD=1 skips the finder', { timeout: 120_000 }, () => {
  const dir = fakePackage(1);
  try {
    assert.equal(install(dir).status, 1);
    const skipped = install(dir, { ZOOCLIP_SKIP_BUILD: '1' });
    assert.equal(skipped.status, 0, skipped.out);
    assert.doesNotMatch(skipped.out, /\[libtorch\] stub/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install: an addon newer than its sources is not rebuilt', { timeout: 120_000 }, () => {
  const dir = fakePackage(0);
  try {
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(dir, 'build', 'Release', 'zooclip_native.node'), 'built');
    const r = install(dir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /native addon up to date/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
