// The grammar engine of one vocabulary: compiles constraints (cached, since a schema is usually
// reused across requests) and makes a fresh logits processor per request.
import { availableParallelism } from 'node:os';
import type { Constraint } from './constraint.js';
import { StructuredOutputError } from './errors.js';
import { GrammarLogitsProcessor } from './grammar-logits-processor.js';
import { type CompiledGrammar, type NativeGrammarCompiler, type NativeTokenizerInfo, nativeXGrammar, vocabTypeCode } from './native-engine.js';
import { checkJsonSchema } from './schema-check.js';
import { TokenMask } from './token-mask.js';
import type { TokenVocabulary } from './vocabulary.js';

export interface GrammarEngineOptions {
  /** Compiled constraints kept for reuse (default 64). */
  cacheSize?: number;
}

/**
 * JSON is generated on one line with Python's default separators: no runaway whitespace.
 * (`indent: undefined` is xgrammar's "no indentation"; the WebAssembly build spelled it -1.)
 */
const jsonLayout = { anyWhitespace: false, indent: undefined, separators: [', ', ': '] as [string, string] };

/**
 * Threads xgrammar may use to precompute a grammar's token masks while compiling (its default is
 * 8). A compile runs off the JS thread, so these compete only with the model's own threads.
 */
const compileThreads = Math.max(1, Math.min(8, availableParallelism()));

/** xgrammar's diagnostic, as the addon hands it over (the C++ exception's message). */
function describeEngineError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class GrammarEngine implements Disposable {
  private readonly compiled = new Map<string, CompiledGrammar>();
  private readonly cacheSize: number;
  private readonly mask: TokenMask;
  private disposed = false;

  private constructor(
    private readonly info: NativeTokenizerInfo,
    private readonly compiler: NativeGrammarCompiler,
    readonly vocabulary: TokenVocabulary,
    options: GrammarEngineOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 64;
    this.mask = new TokenMask(vocabulary.size);
  }

  /** Prepares the vocabulary (a few hundred milliseconds for 262k tokens; do it once per model). */
  static async create(vocabulary: TokenVocabulary, options: GrammarEngineOptions = {}): Promise<GrammarEngine> {
    if (vocabulary.size < vocabulary.tokens.length) {
      throw new StructuredOutputError(
        `The vocabulary has ${vocabulary.tokens.length} tokens but size ${vocabulary.size}; size is the logits' width and must cover every token.`,
        'invalid',
      );
    }
    const xgrammar = nativeXGrammar();
    let info: NativeTokenizerInfo;
    try {
      info = new xgrammar.TokenizerInfo([...vocabulary.tokens], vocabTypeCode[vocabulary.kind], vocabulary.prependSpace ?? false, vocabulary.size, [
        ...vocabulary.stopTokenIds,
      ]);
    } catch (error) {
      throw new StructuredOutputError(`The vocabulary cannot be used for constrained decoding: ${describeEngineError(error)}`, 'invalid', undefined, {
        cause: error,
      });
    }
    // xgrammar's own cache of compiled grammars is off: this engine keeps a bounded one (cacheSize)
    // and disposes what it evicts, which xgrammar's unbounded cache would keep alive.
    const compiler = new xgrammar.GrammarCompiler(info, compileThreads, false);
    return new GrammarEngine(info, compiler, vocabulary, options);
  }

  /** Checks and compiles a constraint; throws StructuredOutputError naming what is wrong. */
  async compile(constraint: Constraint): Promise<CompiledGrammar> {
    if (this.disposed) throw new Error('GrammarEngine used after dispose');
    const key = JSON.stringify(constraint);
    const cached = this.compiled.get(key);
    if (cached) {
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached;
    }
    const grammar = await this.compileUncached(constraint);
    this.compiled.set(key, grammar);
    if (this.compiled.size > this.cacheSize) {
      const [oldestKey, oldest] = this.compiled.entries().next().value!;
      this.compiled.delete(oldestKey);
      oldest.dispose();
    }
    return grammar;
  }

  private async compileUncached(constraint: Constraint): Promise<CompiledGrammar> {
    const { anyWhitespace, indent, separators } = jsonLayout;
    switch (constraint.type) {
      case 'json_object':
        // Non-strict: any properties with any values.
        try {
          return await this.compiler.compileJSONSchema('{"type": "object"}', anyWhitespace, indent, separators, false);
        } catch (error) {
          throw new StructuredOutputError(`JSON mode cannot be compiled: ${describeEngineError(error)}`, 'unsupported', undefined, { cause: error });
        }
      case 'json_schema': {
        checkJsonSchema(constraint.schema);
        try {
          return await this.compiler.compileJSONSchema(JSON.stringify(constraint.schema), anyWhitespace, indent, separators, true);
        } catch (error) {
          throw new StructuredOutputError(`The JSON schema cannot be used for constrained decoding: ${describeEngineError(error)}`, 'unsupported', undefined, {
            cause: error,
          });
        }
      }
      case 'grammar':
        try {
          return await this.compiler.compileGrammar(constraint.grammar);
        } catch (error) {
          throw new StructuredOutputError(`The grammar does not parse: ${describeEngineError(error)}`, 'invalid', undefined, { cause: error });
        }
      case 'structural_tag':
        try {
          return await this.compiler.compileStructuralTag(JSON.stringify({ type: 'structural_tag', format: constraint.format }));
        } catch (error) {
          throw new StructuredOutputError(`The tool-call format cannot be compiled: ${describeEngineError(error)}`, 'unsupported', undefined, {
            cause: error,
          });
        }
    }
  }

  /** A fresh processor for one request (its own grammar state). */
  async createProcessor(constraint: Constraint): Promise<GrammarLogitsProcessor> {
    const grammar = await this.compile(constraint);
    const matcher = new (nativeXGrammar().GrammarMatcher)(grammar);
    const processor = new GrammarLogitsProcessor(matcher, this.mask);
    // Caught here, a constraint nothing can satisfy is a bad request; in the batch, the token
    // sampled from an all-refused mask would fail the step of every row.
    if (!processor.admitsAnyToken()) {
      processor.dispose();
      throw new StructuredOutputError(
        'The constraint admits no output at all (a grammar rule that only refers to itself does this, for one); give it a schema or grammar that some output matches.',
        'invalid',
      );
    }
    return processor;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const grammar of this.compiled.values()) grammar.dispose();
    this.compiled.clear();
    this.compiler.dispose();
    this.info.dispose();
    this.mask.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
