// The README's TypeScript examples type-check against the package as users import it: each ```ts
// block is written into the package folder, where `import ... from 'zooclip'` resolves through
// package.json's exports map (a self-reference) to the built declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The ```ts code blocks of a markdown text.
 * @example tsBlocks('```ts\nconst a = 1;\n```') // ['const a = 1;\n']
 */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

test('README: every TypeScript example imports from \'zooclip\' only and type-checks', { timeout: 300_000 }, () => {
  const blocks = tsBlocks(readFileSync(join(repo, 'README.md'), 'utf8'));
  assert.ok(blocks.length >= 2, `README has ${blocks.length} ts examples`);
  const dir = join(repo, 'dist', 'readme-examples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = blocks.map((code, i) => {
    for (const m of code.matchAll(/from '([^']+)'/g)) assert.ok(m[1] === 'zooclip' || m[1]!.startsWith('node:'), `README example ${i + 1} imports '${m[1]}'`);
    const file = `example_${i + 1}.ts`;
    writeFileSync(join(dir, file), code + '\nexport {};\n');
    return file;
  });
  const config = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['ES2022', 'ESNext.Disposable'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `README examples do not type-check:\n${r.stdout}${r.stderr}`);
});
