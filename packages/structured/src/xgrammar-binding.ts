// Loads xgrammar's WebAssembly build. Its npm package declares `"type": "module"` but ships a
// UMD bundle that reads `require` and `__filename`, so Node cannot import it as ESM; we run the
// bundle as the CommonJS script it is and take its exports. The bundle's mask getter is async
// only to await the WebAssembly start-up; we add a synchronous one (run after start-up) that
// copies the mask into a caller's buffer, because a logits processor runs synchronously.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { GrammarMatcher } from '@mlc-ai/web-xgrammar';

export type XGrammarModule = typeof import('@mlc-ai/web-xgrammar');

export interface XGrammar extends XGrammarModule {
  /** Writes the matcher's next-token bitmask into `out` (length ceil(vocabulary / 32)). */
  fillNextTokenBitmask(matcher: GrammarMatcher, out: Int32Array): void;
  /**
   * The engine's last diagnostic. xgrammar reports a bad grammar or schema by printing it and
   * throwing a bare "Aborted()"; we keep the printed line to put it in our error instead.
   */
  lastMessage?: string;
}

/** The WebAssembly module is started with its diagnostics captured rather than printed. */
const startup = 'binding = await Module();';
const capturedStartup = "binding = await Module({ printErr: (text) => { if (!text.startsWith('Aborted')) exports.lastMessage = text; } });";

/** The bundle's last statement; our helper is inserted before it, inside the bundle's scope. */
const anchor = 'exports.default = index;';
const helper = `exports.fillNextTokenBitmask = (matcher, out) => {
    const vector = matcher.handle.GetNextTokenBitmask(matcher.vocab_size);
    try { out.set(binding.vecIntToView(vector)); } finally { vector.delete(); }
  };
  `;

let loaded: Promise<XGrammar> | undefined;

function load(): XGrammar {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@mlc-ai/web-xgrammar');
  const source = readFileSync(file, 'utf8');
  if (!source.includes(anchor)) throw new Error(`@mlc-ai/web-xgrammar at ${file} is not the build this package was written for (0.1.27).`);
  const module = { exports: {} as Record<string, unknown> };
  // The bundle is a pinned dependency, run with CommonJS's module variables; its one dynamic
  // import (Node's 'module') becomes a require, since code run by Function cannot import.
  if (!source.includes(startup)) throw new Error(`@mlc-ai/web-xgrammar at ${file} is not the build this package was written for (0.1.27).`);
  const patched = source
    .replace(anchor, helper + anchor)
    .replace("await import('module')", "require('module')")
    .replace(startup, capturedStartup);
  new Function('exports', 'module', 'require', '__filename', '__dirname', patched)(module.exports, module, require, file, dirname(file));
  return module.exports as unknown as XGrammar;
}

/** The xgrammar module, its WebAssembly started. */
export function xgrammar(): Promise<XGrammar> {
  loaded ??= (async () => {
    const module = load();
    // Any async entry point starts the WebAssembly module; this one is cheap.
    await module.Testings.debugGetMaskedTokensFromBitmask(new Int32Array(1), 32);
    return module;
  })();
  return loaded;
}
