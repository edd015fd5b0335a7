// scripts/test.mjs on small fixture trees: a passing run exits 0 and counts its skips with their
// reasons; a hanging test times out, a never-settled promise is cancelled, a crashing file fails
// (naming the test it died in), and each makes the run exit 1 with a summary line that says so and
// names the file; a tier that runs no test, or an e2e entry that matches no file, fails too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const RUNNER = join(process.cwd(), 'scripts', 'test.mjs');

/** A tree with test/tiers.json, a placeholder test/X.test.ts per file and its "compiled" dist/test/X.test.js. */
function fixture(files: Record<string, string>, e2e: Record<string, string> = {}, fastTimeoutS = 2): string {
  const root = mkdtempSync(join(tmpdir(), 'zooclip-runner-'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  mkdirSync(join(root, 'test'), { recursive: true });
  writeFileSync(join(root, 'test', 'tiers.json'), JSON.stringify({ fast: { fileTimeoutS: fastTimeoutS }, e2e: { fileTimeoutS: 30, files: e2e } }));
  for (const [rel, body] of Object.entries(files)) {
    for (const [path, text] of [[`test/${rel}.test.ts`, ''], [`dist/test/${rel}.test.js`, `import { test } from 'node:test';\n${body}\n`]] as const) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  return root;
}

function runner(root: string, ...args: string[]): { code: number | null; out: string; summary: string[] } {
  const r = spawnSync(process.execPath, [RUNNER, '--root', root, ...args], { encoding: 'utf8' });
  rmSync(root, { recursive: true, force: true });
  const out = `${r.stdout}${r.stderr}`;
  return { code: r.status, out, summary: out.split('\n').filter((l) => l.startsWith('tests (')) };
}

test('a passing run exits 0; skips are counted with their reasons; both tiers and the total get a line', { timeout: 60_000 }, () => {
  const r = runner(fixture({
    unit: "test('adds', () => {});\ntest('on the GPU', (t) => { t.skip('no CUDA device'); });\ntest('nested', async (t) => { await t.test('inner', () => {}); });",
    'e2e/run': "test('end to end', () => {});",
  }, { 'test/e2e/': 'fixture' }));
  assert.equal(r.code, 0, r.out);
  assert.match(r.summary[0]!, /^tests \(fast\): 3 passed, 0 failed, 0 cancelled \(never finished\), 0 timed out, 1 skipped \(no CUDA device x1\), 1 file in \d+ s — ok$/);
  assert.match(r.summary[1]!, /^tests \(e2e\): 1 passed, 0 failed, .*1 file in \d+ s — ok$/);
  assert.match(r.summary[2]!, /^tests \(all tiers\): 4 passed, 0 failed, 0 cancelled \(never finished\), 0 timed out, 1 skipped .*— ok$/);
});

test('a hang times out, a pending promise is cancelled, a crash fails: exit 1 and each named', { timeout: 60_000 }, () => {
  const r = runner(fixture({
    hang: "test('first', () => {});\ntest('waits forever', async () => { await new Promise((r) => setTimeout(r, 60_000)); });",
    pending: "test('never settles', async () => { await new Promise(() => {}); });",
    crash: "test('fine', () => {});\nsetTimeout(() => process.exit(3), 50);",
    bad: "test('wrong', () => { throw new Error('two is not three'); });",
    dies: "test('killed mid-test', async () => { await new Promise((r) => setTimeout(r, 300)); process.kill(process.pid, 'SIGKILL'); });",
  }, {}, 2), '--tier', 'fast');
  assert.equal(r.code, 1, r.out);
  assert.equal(r.summary.length, 1, 'one tier, one line');
  assert.match(r.summary[0]!, /^tests \(fast\): 2 passed, 3 failed, 1 cancelled \(never finished\), 1 timed out, 0 skipped, 5 files in \d+ s — FAILED$/);
  assert.match(r.out, /timed out: test\/hang\.test\.ts while running "waits forever": test timed out after 2000ms/);
  assert.match(r.out, /cancelled: test\/pending\.test\.ts "never settles": Promise resolution is still pending/);
  assert.match(r.out, /failed: test\/crash\.test\.ts the whole file: its process exited with code 3 outside any test/);
  assert.match(r.out, /failed: test\/bad\.test\.ts "wrong": two is not three/);
  assert.match(r.out, /failed: test\/dies\.test\.ts while running "killed mid-test": its process was killed by SIGKILL$/m);
});

test('a tier that runs no test fails; so do a stale e2e entry and an unknown tier', { timeout: 60_000 }, () => {
  const empty = runner(fixture({ empty: '// no tests here' }), '--tier', 'fast');
  assert.equal(empty.code, 1, empty.out);
  assert.match(empty.summary[0]!, /^tests \(fast\): 0 passed, .* — FAILED$/);
  assert.match(empty.out, /tier fast ran no tests/);
  const stale = runner(fixture({ unit: "test('ok', () => {});" }, { 'test/gone.test.ts': 'was moved' }));
  assert.equal(stale.code, 1);
  assert.match(stale.out, /tiers\.json: e2e entries that match no test file: test\/gone\.test\.ts/);
  const unknown = runner(fixture({ unit: "test('ok', () => {});" }), '--tier', 'slow');
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /--tier slow: expected one of fast, e2e/);
});

test('what a test leaves under os.tmpdir() is inside its tier\'s folder and removed with it', { timeout: 60_000 }, () => {
  const marker = join(tmpdir(), `zooclip-runner-left-${process.pid}.txt`);
  const body = `import { mkdtempSync, writeFileSync } from 'node:fs';\nimport { tmpdir } from 'node:os';\nimport { join } from 'node:path';\n` +
    `test('leaves a folder', () => { const d = mkdtempSync(join(tmpdir(), 'left-')); writeFileSync(${JSON.stringify(marker)}, d); });`;
  try {
    const r = runner(fixture({ leaky: body }), '--tier', 'fast');
    assert.equal(r.code, 0, r.out);
    const left = readFileSync(marker, 'utf8');
    assert.match(left, /zooclip-test-fast-[^/]+\/tmp\/left-/, 'the test saw the tier\'s own temp folder');
    assert.equal(existsSync(left), false, 'and the runner removed it');
  } finally {
    rmSync(marker, { force: true });
  }
});
