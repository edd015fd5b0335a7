// JSON files people write or edit (presets, configs, specs, manifests): a syntax error must say
// which file and where, since JSON.parse alone says only "Unexpected token } ... at position 42".
import { readFileSync } from 'node:fs';

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

/**
 * Parses JSON text read from `where` (a file, with what it is); a syntax error names it, JSON's
 * message and the line and column. A leading byte-order mark (editors on Windows) is ignored.
 * @example parseJsonText('{"a": 1,}', 'preset p.json') // throws: preset p.json: not valid JSON: ... (line 1, column 9)
 */
export function parseJsonText(text: string, where: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    const msg = (e as Error).message;
    if (body.trim() === '') throw new Error(`${where}: not valid JSON: the file is empty`, { cause: e });
    const pos = /at position (\d+)/.exec(msg);
    const at = pos && !/line \d+/.test(msg) ? lineColumn(body, Number(pos[1])) : undefined;
    const place = at ? (body.includes('\n') ? ` (line ${at.line}, column ${at.column})` : ` (column ${at.column})`) : '';
    throw new Error(`${where}: not valid JSON: ${msg}${place}`, { cause: e });
  }
}

/**
 * Reads and parses a JSON file; read and syntax errors name the file (`what` says what it is).
 * @example const layer = readJsonFile('presets/tiny-synth.json', 'train preset');
 */
export function readJsonFile(path: string, what = 'JSON file'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${what} ${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  return parseJsonText(text, `${what} ${path}`);
}
