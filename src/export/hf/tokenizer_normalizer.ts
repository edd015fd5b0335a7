// zooclip's caption clean-up (tokenizer/text_clean.ts: the ftfy stand-in, HTML unescaping, whitespace,
// lowercase) spelled as a tokenizer.json normalizer: a Sequence of Replace/NFC/Strip/Lowercase steps
// that transformers.js and Hugging Face `tokenizers` both run. A Replace has one fixed replacement,
// so every entity and every character fix is its own step; numeric references are spelled for the
// code points of NUMERIC_REF_RANGES only (see docs/transformers_js.md for what is not covered).
import {
  ANSI_ESCAPE, CONTROL_CHARS, CP1252_C1, DOUBLE_QUOTES, LATIN_LIGATURES, SINGLE_QUOTES, WIDE_OR_HALF, htmlEntities,
  htmlUnescape, strictEntities,
} from '../../tokenizer/index.js';

/** One step of a tokenizer.json normalizer Sequence. */
export type NormalizerStep =
  | { type: 'Replace'; pattern: { String: string } | { Regex: string }; content: string }
  | { type: 'NFC' } | { type: 'Lowercase' } | { type: 'Strip'; strip_left: boolean; strip_right: boolean };

/** Code points whose numeric references (`&#39;`, `&#x27`) the normalizer decodes: ASCII, Latin-1,
 * Latin Extended-A, general punctuation, currency signs, letterlike symbols and number forms. */
export const NUMERIC_REF_RANGES: readonly (readonly [number, number])[] = [[0x0, 0x17f], [0x2000, 0x206f], [0x20a0, 0x20bf], [0x2100, 0x215f]];

const replaceString = (from: string, to: string): NormalizerStep => ({ type: 'Replace', pattern: { String: from }, content: to });
const replaceRegex = (re: string, to: string): NormalizerStep => ({ type: 'Replace', pattern: { Regex: re }, content: to });

/** A hex number in a regex, any letter case: 0x2f -> '2[fF]'. */
function hexPattern(n: number): string {
  return [...n.toString(16)].map((c) => (/[a-f]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
}

function* numericCodePoints(): Generator<number> {
  for (const [lo, hi] of NUMERIC_REF_RANGES) for (let n = lo; n <= hi; n++) yield n;
}

/** `&#N;` / `&#xH;` with their `;` (what ftfy decodes before its character fixes). */
const numericStrict = (n: number): string => `&#0*${n};|&#[xX]0*${hexPattern(n)};`;
/** `&#N` / `&#xH` without `;` (decoded only by html.unescape, after the fixes), digits greedy. */
const numericLoose = (n: number): string => `&#0*${n}(?![0-9])|&#[xX]0*${hexPattern(n)}(?![0-9a-fA-F])`;

/** One Replace per replacement text, its regex the alternatives that give it (fewer steps to run). */
function groupByValue(pairs: Iterable<readonly [string, string]>): NormalizerStep[] {
  const groups = new Map<string, string[]>();
  for (const [alternative, value] of pairs) {
    const list = groups.get(value);
    if (list) list.push(alternative);
    else groups.set(value, [alternative]);
  }
  return [...groups].map(([value, alternatives]) => replaceRegex(alternatives.join('|'), value));
}

/**
 * The `&name;` and `&#N;` steps ftfy's fix_text repeats to a fixed point. `&` first (`&#38;` and runs
 * of `&amp;`, twice, so `&amp;amp;lt;` ends as `<` as it does there), then every other name and
 * number, one step per replacement text. Names hold only letters and digits, so need no escaping.
 * @example entityStepsStrict()[1]; // { type: 'Replace', pattern: { Regex: '&(?:amp;|AMP;)+' }, content: '&' }
 */
export function entityStepsStrict(): NormalizerStep[] {
  const ampersand = [replaceRegex(numericStrict(0x26), '&'), replaceRegex('&(?:amp;|AMP;)+', '&')];
  const pairs: [string, string][] = [];
  for (const [ref, value] of strictEntities()) if (ref !== '&amp;' && ref !== '&AMP;') pairs.push([ref, value]);
  for (const n of numericCodePoints()) if (n !== 0x26) pairs.push([numericStrict(n), htmlUnescape(`&#${n};`)]);
  return [...ampersand, ...ampersand, ...groupByValue(pairs)];
}

/**
 * The references only Python's html.unescape decodes (after ftfy's fixes): numbers without `;`,
 * then the legacy names without `;`, longest first (its longest-prefix rule: `&ampfoo` -> `&foo`).
 * @example entityStepsLoose().at(-1); // a Replace of a two-letter legacy name such as '&lt'
 */
export function entityStepsLoose(): NormalizerStep[] {
  const steps = groupByValue([...numericCodePoints()].map((n) => [numericLoose(n), htmlUnescape(`&#${n}`)] as const));
  const legacy = [...htmlEntities()].filter(([name]) => !name.endsWith(';')).sort((a, b) => b[0].length - a[0].length);
  for (const [name, value] of legacy) steps.push(replaceString(`&${name}`, value));
  return steps;
}

/** The source of a JS character-class regex for tokenizer.json (both engines read \uXXXX and \xXX). */
const regexSource = (re: RegExp): string => re.source;

/**
 * ftfy's character fixes (tokenizer/fix_text.ts), in its order, then NFC.
 * @example characterFixSteps().at(-1); // { type: 'NFC' }
 */
export function characterFixSteps(): NormalizerStep[] {
  const steps: NormalizerStep[] = [];
  // C1 controls (0x80..0x9f) read as Windows-1252; the five it leaves undefined stay.
  for (let b = 0x80; b <= 0x9f; b++) if (CP1252_C1[b - 0x80] !== String.fromCharCode(b)) steps.push(replaceString(String.fromCharCode(b), CP1252_C1[b - 0x80]!));
  for (const [from, to] of Object.entries(LATIN_LIGATURES)) steps.push(replaceString(from, to));
  for (const c of wideOrHalfChars()) steps.push(replaceString(c, c === '\u3000' ? ' ' : c.normalize('NFKC')));
  steps.push(replaceRegex(regexSource(DOUBLE_QUOTES), '"'), replaceRegex(regexSource(SINGLE_QUOTES), "'"));
  steps.push(replaceRegex(regexSource(ANSI_ESCAPE), ''), replaceRegex(regexSource(CONTROL_CHARS), ''), { type: 'NFC' });
  return steps;
}

/** The characters WIDE_OR_HALF matches that NFKC changes. */
function wideOrHalfChars(): string[] {
  const out: string[] = ['\u3000'];
  for (let cp = 0xff01; cp <= 0xffef; cp++) {
    const c = String.fromCharCode(cp);
    if (new RegExp(WIDE_OR_HALF.source).test(c) && c.normalize('NFKC') !== c) out.push(c);
  }
  return out;
}

/**
 * The whole normalizer: zooclip's cleanText as tokenizer.json steps (strict entities, character
 * fixes, loose entities, whitespace runs to one space, strip, lowercase).
 * @example
 * const n = clipCleanNormalizer(); // { type: 'Sequence', normalizers: [...] }
 * n.normalizers.at(-1);            // { type: 'Lowercase' }
 */
export function clipCleanNormalizer(): { type: 'Sequence'; normalizers: NormalizerStep[] } {
  return {
    type: 'Sequence',
    normalizers: [
      ...entityStepsStrict(), ...characterFixSteps(), ...entityStepsLoose(),
      replaceRegex('\\s+', ' '), { type: 'Strip', strip_left: true, strip_right: true }, { type: 'Lowercase' },
    ],
  };
}
