// Loading the addon changes no process-wide setting; configureRuntime applies zooclip's defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { configureRuntime, getNumThreads, setNumThreads } from '../../src/engine/index.js';

const nativeUrl = new URL('../../src/engine/native.js', import.meta.url).href;
const runtimeUrl = new URL('../../src/engine/runtime.js', import.meta.url).href;

// libtorch's thread count in a fresh process that runs `code` after loading the addon.
function threadsInFreshProcess(code: string, env: Record<string, string>): number {
  const base = { ...process.env };
  delete base.ZOOCLIP_NUM_THREADS;
  const script = `import { native } from ${JSON.stringify(nativeUrl)};\n${code}\nprocess.stdout.write(String(native.getNumThreads()) + "\\n");`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...base, ...env }, encoding: 'utf8', timeout: 120_000 });
  return Number(out.trim().split('\n').pop());
}

test('loading the addon leaves libtorch at its own thread default; configureRuntime sets ours', { timeout: 300_000 }, () => {
  const libtorchDefault = threadsInFreshProcess('', {});
  assert.ok(libtorchDefault >= 1, `libtorch default ${libtorchDefault}`);
  // A count libtorch would never pick by itself, so the two cases cannot agree by chance.
  const ours = String(libtorchDefault + 3);
  assert.equal(threadsInFreshProcess('', { ZOOCLIP_NUM_THREADS: ours }), libtorchDefault, 'loading the addon must not read ZOOCLIP_NUM_THREADS');
  const configure = `const { configureRuntime } = await import(${JSON.stringify(runtimeUrl)});\nconfigureRuntime();`;
  assert.equal(threadsInFreshProcess(configure, { ZOOCLIP_NUM_THREADS: ours }), Number(ours));
});

test('configureRuntime is idempotent and checks its inputs', { timeout: 60_000 }, () => {
  const before = getNumThreads();
  try {
    const first = configureRuntime({ threads: 1 });
    assert.deepEqual(configureRuntime({ threads: 1 }), first);
    assert.equal(first.threads, 1);
    assert.equal(getNumThreads(), 1);
    assert.deepEqual(configureRuntime({}, { ZOOCLIP_NUM_THREADS: '2' }), { threads: 2, tuneMalloc: true });
    assert.equal(getNumThreads(), 2);
    assert.throws(() => configureRuntime({ threads: 0 }), /configureRuntime: threads must be a positive integer, got 0/);
    assert.throws(() => configureRuntime({ threads: 1.5 }), /threads must be a positive integer, got 1.5/);
    assert.throws(() => configureRuntime({}, { ZOOCLIP_NUM_THREADS: 'many' }), /ZOOCLIP_NUM_THREADS must be a positive integer, got 'many'/);
  } finally {
    setNumThreads(before);
  }
});
