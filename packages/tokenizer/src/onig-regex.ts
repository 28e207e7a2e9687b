import { TokenizerError } from './errors.js';

// Oniguruma (used by Hugging Face tokenizers) and JavaScript disagree on `\s`: Oniguruma follows
// Unicode White_Space (which has U+0085 and lacks U+FEFF), JavaScript the reverse. Spell it out.
const whiteSpaceClassBody = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

function supportsInlineModifiers(): boolean {
  try {
    // biome-ignore lint/complexity/useRegexLiterals: a literal would be a parse error, not a catchable one, where modifiers are unsupported.
    new RegExp('(?i:a)', 'u');
    return true;
  } catch {
    return false;
  }
}
const nativeModifiers = supportsInlineModifiers();

// Characters outside ASCII whose simple case folding lands on an ASCII letter.
const extraFolds: Record<string, string> = { s: '\u017f', k: '\u212a' };

/** Spell `(?i:...)` out as character classes for engines older than ES2025 modifiers. */
function expandCaseInsensitiveGroup(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\') {
      out += ch + (body[i + 1] ?? '');
      i++;
      continue;
    }
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (lower === upper) out += ch;
    else out += `[${lower}${upper}${extraFolds[lower] ?? ''}]`;
  }
  return `(?:${out})`;
}

/**
 * Translates an Oniguruma pattern from tokenizer.json into a JavaScript RegExp with the same
 * matches for the constructs these files use (`\s`, `\S`, `\p{..}`, `(?i:..)`, lookahead).
 */
export function compileOnigRegex(pattern: string, flags = 'gu'): RegExp {
  let source = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === 's') source += inClass ? whiteSpaceClassBody : `[${whiteSpaceClassBody}]`;
      else if (next === 'S') {
        if (inClass) throw new TokenizerError(`Unsupported regex construct \\S inside a character class in ${JSON.stringify(pattern)}`);
        source += `[^${whiteSpaceClassBody}]`;
      } else source += ch + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      source += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      source += ch;
      if (pattern[i + 1] === '^') {
        source += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        source += '\\]';
        i++;
      }
      continue;
    }
    if (!nativeModifiers && pattern.startsWith('(?i:', i)) {
      const end = findGroupEnd(pattern, i);
      source += expandCaseInsensitiveGroup(pattern.slice(i + 4, end));
      i = end;
      continue;
    }
    source += ch;
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new TokenizerError(`Cannot translate the tokenizer regex ${JSON.stringify(pattern)} to JavaScript: ${(error as Error).message}`, { cause: error });
  }
}

function findGroupEnd(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  throw new TokenizerError(`Unbalanced group in tokenizer regex ${JSON.stringify(pattern)}`);
}

/** Escapes a literal string for use inside a RegExp. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
