// An empty npm project that installs a packed zooclip tarball offline: the lock file is written
// from zooclip's own (its production dependencies, already in npm's cache after `npm ci`), so
// `npm ci --offline` resolves everything without a registry.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface LockEntry { dev?: boolean; [k: string]: unknown }
interface Lock { packages: Record<string, LockEntry> }

/**
 * Writes package.json and package-lock.json into `dir` for a project depending only on the
 * tarball `tgz` (copied into `dir` by the caller), with `type: module`.
 * @example writeConsumerProject('/tmp/app', '/tmp/app/zooclip-0.1.0.tgz', '/work/main');
 */
export function writeConsumerProject(dir: string, tgz: string, repo: string): void {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown> & { version: string };
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as Lock;
  const file = `file:${basename(tgz)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { zooclip: file } },
    'node_modules/zooclip': {
      version: pkg.version, resolved: file, integrity, hasInstallScript: true, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [name, entry] of Object.entries(lock.packages)) if (name && !entry.dev) packages[name] = entry;
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 1));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { zooclip: file } }, null, 1));
}
