// The package as a user gets it: `npm pack`, then an empty project installs the tarball offline
// (from npm's cache), runs the CLI's help without the native addon, imports from 'zooclip' in
// JavaScript and type-checks the same in TypeScript, and cannot deep-import private files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConsumerProject } from '../helpers/consumer.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
}
const ok = (r: SpawnSyncReturns<string>, what: string): string => {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

const MAIN = `import { createModel, createModelAndTransforms, tokenize, listModels, manualSeed, noGrad } from 'zooclip';
manualSeed(0);
const model = createModel('zooclip-micro');
const ids = tokenize(['a red cube', 'two blue spheres'], 24);
const features = noGrad(() => model.encodeText(ids));
const { preprocessCfg } = createModelAndTransforms('zooclip-micro');
const shape: number[] = features.shape;
console.log(JSON.stringify({ shape, models: listModels().length, size: preprocessCfg.size }));
`;

function packTarball(dir: string): string {
  ok(sh('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], repo), 'npm pack');
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, 'npm pack wrote a tarball');
  const files = ok(sh('tar', ['tzf', join(dir, tgz)], dir), 'tar tzf').split('\n');
  for (const want of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/dist/src/cli/main.js', 'package/scripts/install.mjs',
    'package/src/stages/train/presets/tiny-synth.json', 'package/src/stages/demo/presets/quick.json', 'package/src/models/model_configs/ViT-B-16.json', 'package/binding.gyp',
    'package/web/index.html', 'package/web/app.js', 'package/web/model.js', 'package/web/tokenizer.js', 'package/web/style.css']) {
    assert.ok(files.includes(want), `the tarball ships ${want}`);
  }
  for (const f of files) assert.ok(!/^package\/(dist\/test|dist\/bench|build|native\/build-config)/.test(f), `the tarball leaves out ${f}`);
  return join(dir, tgz);
}

test('npm pack -> offline install in an empty project: CLI help, import and types from \'zooclip\'', { timeout: 600_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'zooclip-pack-'));
  try {
    const app = join(tmp, 'app');
    mkdirSync(app);
    const tgz = packTarball(tmp);
    copyFileSync(tgz, join(app, 'zooclip.tgz'));
    writeConsumerProject(app, join(app, 'zooclip.tgz'), repo);
    ok(sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app, { ZOOCLIP_SKIP_BUILD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' }), 'npm ci --offline');
    const bin = join(app, 'node_modules', '.bin', 'zooclip');
    // No addon yet: help works, an engine command says what is missing.
    assert.match(ok(sh(bin, ['--help'], app), 'zooclip --help'), /Usage: zooclip <command>/);
    assert.match(ok(sh(bin, ['train', '--help'], app), 'zooclip train --help'), /--preset/);
    const info = sh(bin, ['info'], app);
    assert.equal(info.status, 1);
    assert.match(info.stderr, /native addon not built/);
    // The addon `npm rebuild zooclip` would build from the same sources against the same libtorch.
    mkdirSync(join(app, 'node_modules', 'zooclip', 'build', 'Release'), { recursive: true });
    copyFileSync(join(repo, 'build', 'Release', 'zooclip_native.node'), join(app, 'node_modules', 'zooclip', 'build', 'Release', 'zooclip_native.node'));
    assert.match(ok(sh(bin, ['train', '--print-config'], app), 'train --print-config'), /"steps"/, 'presets ship with the package');
    writeFileSync(join(app, 'main.mjs'), MAIN.replace('const shape: number[] =', 'const shape ='));
    const out = JSON.parse(ok(sh(process.execPath, ['main.mjs'], app), 'node main.mjs').trim()) as { shape: number[]; models: number; size: number };
    assert.deepEqual(out, { shape: [2, 32], models: readdirSync(join(repo, 'src', 'models', 'model_configs')).length, size: 32 });
    const deep = sh(process.execPath, ['-e', "import('zooclip/dist/src/models/clip.js').then(() => console.log('imported'), (e) => console.log(e.code))"], app);
    assert.equal(deep.stdout.trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'private files are not importable');
    typeCheck(app);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** main.ts type-checks against the installed declarations; a wrong call does not. */
function typeCheck(app: string): void {
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const config = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')] }, files: ['main.ts'] };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(config));
  writeFileSync(join(app, 'main.ts'), MAIN);
  ok(sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app), 'tsc on main.ts');
  writeFileSync(join(app, 'main.ts'), MAIN + "createModel(42);\n");
  const bad = sh(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  assert.notEqual(bad.status, 0, 'a wrong argument type is a type error (the declarations are real, not any)');
  assert.match(bad.stdout, /main\.ts\(\d+,\d+\): error TS2345/);
}
