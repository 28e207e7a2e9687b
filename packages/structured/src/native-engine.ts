// Loads the grammar engine's native addon (xgrammar 0.2.9's C++, built by scripts/build-native.mjs)
// lazily, so importing this package never throws; the first engine does, with a typed error that
// names the fix. The types below are the addon's surface (native/*.h).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { GrammarEngineUnavailableError } from './errors.js';

/** xgrammar's VocabType: how token strings encode text. */
export const vocabTypeCode = { raw: 0, byte_fallback: 1, byte_level: 2 } as const;

export interface NativeTokenizerInfo {
  dispose(): void;
}

/** A grammar compiled against one vocabulary; matchers are started from it. */
export interface CompiledGrammar {
  /** The engine's estimate of the memory it holds. */
  memorySizeBytes(): number;
  dispose(): void;
}

export interface NativeGrammarCompiler {
  compileJSONSchema(
    schema: string,
    anyWhitespace: boolean,
    indent: number | undefined,
    separators: [string, string] | undefined,
    strict: boolean,
  ): Promise<CompiledGrammar>;
  compileBuiltinJSONGrammar(): Promise<CompiledGrammar>;
  compileGrammar(ebnf: string, rootRule?: string): Promise<CompiledGrammar>;
  /** `{"type": "structural_tag", "format": ...}` as JSON text. */
  compileStructuralTag(json: string): Promise<CompiledGrammar>;
  dispose(): void;
}

export interface NativeGrammarMatcher {
  /** False when the grammar refuses the token (or has already ended). */
  acceptToken(id: number): boolean;
  /** Writes the next-token bitmask into `out` (length ceil(vocabulary / 32)); false when every token is allowed. Throws once terminated. */
  fillNextTokenBitmask(out: Int32Array): boolean;
  isTerminated(): boolean;
  rollback(tokens: number): void;
  reset(): void;
  dispose(): void;
}

export interface NativeXGrammar {
  TokenizerInfo: new (tokens: string[], vocabType: number, prependSpace: boolean, vocabSize: number, stopTokenIds: number[]) => NativeTokenizerInfo;
  GrammarCompiler: new (info: NativeTokenizerInfo, maxThreads: number, cacheEnabled: boolean) => NativeGrammarCompiler;
  GrammarMatcher: new (grammar: CompiledGrammar) => NativeGrammarMatcher;
  /** The xgrammar version the addon was built from. */
  version: string;
  bitmaskSize(vocabSize: number): number;
}

let addon: NativeXGrammar | undefined;
let loadError: GrammarEngineUnavailableError | undefined;

function addonPath(): string {
  return process.env.MLX_TS_XGRAMMAR_ADDON ?? fileURLToPath(new URL('../build/Release/xgrammar_ts.node', import.meta.url));
}

const rebuild =
  'Fix: run `pnpm --filter @mlx-ts/structured build`; it needs CMake and a C++17 compiler, and fetches the pinned xgrammar sources from PyPI (or set XGRAMMAR_SOURCE_DIR).';

function load(): NativeXGrammar {
  const path = addonPath();
  if (!existsSync(path)) throw new GrammarEngineUnavailableError(`The grammar engine's native addon is not built (${path} is missing). ${rebuild}`);
  try {
    return createRequire(import.meta.url)(path) as NativeXGrammar;
  } catch (cause) {
    throw new GrammarEngineUnavailableError(`The grammar engine's native addon at ${path} failed to load: ${(cause as Error).message}. ${rebuild}`, { cause });
  }
}

/** The addon; throws GrammarEngineUnavailableError (the same one every time) when it cannot load. */
export function nativeXGrammar(): NativeXGrammar {
  if (addon) return addon;
  if (loadError) throw loadError;
  try {
    addon = load();
    return addon;
  } catch (error) {
    loadError = error instanceof GrammarEngineUnavailableError ? error : new GrammarEngineUnavailableError(String(error), { cause: error });
    throw loadError;
  }
}
