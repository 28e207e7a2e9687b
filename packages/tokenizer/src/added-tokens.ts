/** A token matched in raw text before the model runs (Hugging Face "added tokens"). */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

/** A piece of input: either plain text for the model, or an added token's id. */
export type Segment = { text: string; start: number } | { id: number };

/**
 * A node keeps its only child inline and makes a Map at the second one: most nodes of a large
 * set of added tokens have one child or none (Gemma 3's 6414 tokens make 12.9k nodes, and a Map
 * each was 4 MB of heap).
 */
interface TrieNode {
  /** UTF-16 unit of `child`, when the node has one child. */
  unit: number;
  child: TrieNode | undefined;
  /** Every child, by unit, once there are two or more. */
  children: Map<number, TrieNode> | undefined;
  token: AddedToken | undefined;
}

function trieNode(): TrieNode {
  return { unit: -1, child: undefined, children: undefined, token: undefined };
}

function childOf(node: TrieNode, unit: number): TrieNode | undefined {
  if (node.children !== undefined) return node.children.get(unit);
  return node.unit === unit ? node.child : undefined;
}

function addChild(node: TrieNode, unit: number): TrieNode {
  const existing = childOf(node, unit);
  if (existing !== undefined) return existing;
  const child = trieNode();
  if (node.children !== undefined) {
    node.children.set(unit, child);
  } else if (node.child === undefined) {
    node.unit = unit;
    node.child = child;
  } else {
    node.children = new Map([
      [node.unit, node.child],
      [unit, child],
    ]);
    node.unit = -1;
    node.child = undefined;
  }
  return child;
}

const isWhitespace = (code: number): boolean =>
  code === 0x20 ||
  (code >= 0x09 && code <= 0x0d) ||
  code === 0x85 ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000;

const wordCharacter = /[\p{Alphabetic}\p{N}_]/u;

/**
 * Leftmost-longest matching of added tokens, as Hugging Face's Aho-Corasick pass does, honouring
 * `single_word`, `lstrip` and `rstrip`. A trie over UTF-16 units: most positions cost one lookup.
 */
export class AddedTokenMatcher {
  private readonly root: TrieNode = trieNode();
  private readonly firstUnits = new Uint8Array(65536);
  readonly size: number;

  constructor(tokens: readonly AddedToken[]) {
    let size = 0;
    for (const token of tokens) {
      if (token.content.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < token.content.length; i++) {
        node = addChild(node, token.content.charCodeAt(i));
      }
      // Hugging Face keeps the token added first when two share a content.
      if (!node.token) {
        node.token = token;
        size++;
      }
      this.firstUnits[token.content.charCodeAt(0)] = 1;
    }
    this.size = size;
  }

  /** Splits `text` into plain pieces and added-token ids. */
  split(text: string, offset: number, out: Segment[]): void {
    if (this.size === 0 || text.length === 0) {
      if (text.length > 0) out.push({ text, start: offset });
      return;
    }
    let emitted = 0; // end of the text already handed out
    let position = 0;
    const length = text.length;
    while (position < length) {
      if (this.firstUnits[text.charCodeAt(position)] === 0) {
        position++;
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let found: AddedToken | undefined;
      let foundEnd = 0;
      for (let i = position; i < length; i++) {
        node = childOf(node, text.charCodeAt(i));
        if (!node) break;
        if (node.token) {
          found = node.token;
          foundEnd = i + 1;
        }
      }
      if (!found) {
        position++;
        continue;
      }
      let start = position;
      let stop = foundEnd;
      if (found.singleWord) {
        const beforeIsWord = start > 0 && wordCharacter.test(lastChar(text, start));
        const afterIsWord = stop < length && wordCharacter.test(String.fromCodePoint(text.codePointAt(stop)!));
        if (beforeIsWord || afterIsWord) {
          position = foundEnd; // the rejected match still consumes its span, as in Aho-Corasick iteration
          continue;
        }
      }
      if (found.lstrip) {
        let s = start;
        while (s > emitted && isWhitespace(text.charCodeAt(s - 1))) s--;
        start = s;
      }
      if (found.rstrip) while (stop < length && isWhitespace(text.charCodeAt(stop))) stop++;
      if (start > emitted) out.push({ text: text.slice(emitted, start), start: offset + emitted });
      out.push({ id: found.id });
      emitted = stop;
      position = stop;
    }
    if (emitted < length) out.push({ text: emitted === 0 ? text : text.slice(emitted), start: offset + emitted });
  }
}

function lastChar(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  if (code >= 0xdc00 && code <= 0xdfff && end >= 2) return text.slice(end - 2, end);
  return text[end - 1]!;
}
