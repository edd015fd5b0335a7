// The caption clean-up that OpenAI's CLIP tokenizer applies before splitting into words:
// ftfy.fix_text -> html.unescape twice -> strip -> collapse whitespace -> strip -> lowercase.
import { htmlUnescape } from './html_unescape.js';
import { fixText } from './fix_text.js';

// Python's str.strip() removes str.isspace() characters: Unicode White_Space plus U+001C..U+001F.
const PY_STRIP = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;
// The `regex` module's \s is exactly Unicode White_Space (JS's \s differs: it has U+FEFF, lacks U+0085).
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/** Options for cleanText. */
export interface CleanOptions {
  /** Apply fixText first (OpenAI runs ftfy.fix_text here). Default true. */
  fixText?: boolean;
}

/**
 * Cleans a caption exactly as OpenAI's tokenizer does before pre-tokenisation (with fixText standing
 * in for ftfy): fix, HTML-unescape twice, strip, collapse whitespace runs to one space, lowercase.
 *
 * @example
 * cleanText('  A  &amp;amp; B\n'); // 'a & b'
 */
export function cleanText(text: string, options: CleanOptions = {}): string {
  let t = options.fixText === false ? text : fixText(text);
  t = htmlUnescape(htmlUnescape(t)).replace(PY_STRIP, '');
  return t.replace(WHITESPACE_RUN, ' ').replace(PY_STRIP, '').toLowerCase();
}
