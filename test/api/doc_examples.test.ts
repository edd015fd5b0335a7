// Every function and class the package exports (src/index.ts) has a doc comment with an @example:
// the public surface is documented where a user's editor shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Exported functions/classes of src/index.ts whose declaration has no @example, as 'name (file)'. */
export function undocumentedExports(): { checked: number; missing: string[] } {
  const program = ts.createProgram([join(root, 'src', 'index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(root, 'src', 'index.ts'))!;
  const missing: string[] = [];
  let checked = 0;
  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(index)!)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    const decl = target.declarations?.[0];
    if (!decl || !(ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl))) continue;
    checked++;
    const hasExample = target.declarations!.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'));
    if (!hasExample) missing.push(`${sym.name} (${decl.getSourceFile().fileName.slice(root.length + 1)})`);
  }
  return { checked, missing };
}

test('every exported function and class has a doc comment with an @example', { timeout: 120_000 }, () => {
  const { checked, missing } = undocumentedExports();
  assert.ok(checked > 50, `only ${checked} exported functions/classes found: is src/index.ts read?`);
  assert.deepEqual(missing, [], `exports without an @example:\n  ${missing.join('\n  ')}`);
});
