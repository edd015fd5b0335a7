// WebDataset member names: `<key>.<ext>`, where the key is everything up to the first dot of the
// basename (folders included) and the extension is the rest, lower-cased as WebDataset does.
// `000/0001.seg.png` is key `000/0001`, field `seg.png`.

/** A member name split into its sample key and field extension. */
export interface MemberName { key: string; ext: string }

/**
 * True when a member name stays inside the shard: relative, no `..` segment, no backslash or NUL.
 * @example isSafeMemberName('000/0001.jpg') // true
 * isSafeMemberName('../etc/passwd.txt')      // false
 */
export function isSafeMemberName(name: string): boolean {
  if (name.length === 0 || name.startsWith('/') || /^[A-Za-z]:/.test(name)) return false;
  if (name.includes('\\') || name.includes('\0')) return false;
  return !name.split('/').some((seg) => seg === '..');
}

/**
 * Splits a (safe) member name into key and extension; undefined when there is no key or no extension.
 * @example splitMemberName('./000/0001.seg.png') // { key: '000/0001', ext: 'seg.png' }
 */
export function splitMemberName(name: string): MemberName | undefined {
  const clean = name.replace(/^(\.\/)+/, '');
  const slash = clean.lastIndexOf('/');
  const dot = clean.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === clean.length - 1) return undefined;
  return { key: clean.slice(0, dot), ext: clean.slice(dot + 1).toLowerCase() };
}

/**
 * Throws unless `key` can be written as a sample key: non-empty, relative, no `.`, no `..`, no
 * empty folder segment, no backslash or control characters.
 * @example checkKey('000/0001'); // ok
 * checkKey('a.b');                  // throws: key 'a.b' contains '.'
 */
export function checkKey(key: string, where = 'shard writer'): void {
  const bad = (why: string): never => { throw new Error(`${where}: invalid key '${key}': ${why}`); };
  if (key.length === 0) bad('empty');
  if (key.startsWith('/')) bad('absolute path');
  if (key.includes('..')) bad("contains '..'");
  if (key.includes('.')) bad("contains '.' (the key ends at the first dot)");
  if (/[\\\0-\x1f]/.test(key)) bad('contains a backslash or a control character');
  if (key.split('/').some((s) => s.length === 0)) bad('has an empty folder segment');
}

/**
 * Throws unless `ext` is a usable field extension: non-empty, lower-case, no `/`, no empty part.
 * @example checkExt('seg.png', 'k'); // ok
 */
export function checkExt(ext: string, key: string, where = 'shard writer'): void {
  const ok = ext.length > 0 && ext === ext.toLowerCase() && !/[/\\\0-\x1f]/.test(ext) && !ext.split('.').some((p) => p.length === 0);
  if (!ok) throw new Error(`${where}: key '${key}': invalid field name '${ext}' (lower-case extensions like 'jpg', 'seg.png')`);
}
