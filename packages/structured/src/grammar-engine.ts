// The grammar engine of one vocabulary: compiles constraints (cached, since a schema is usually
// reused across requests) and makes a fresh logits processor per request.
import type { CompiledGrammar, GrammarCompiler, TokenizerInfo } from '@mlc-ai/web-xgrammar';
import type { Constraint } from './constraint.js';
import { StructuredOutputError } from './errors.js';
import { GrammarLogitsProcessor } from './grammar-logits-processor.js';
import { checkJsonSchema } from './schema-check.js';
import { TokenMask } from './token-mask.js';
import type { TokenVocabulary } from './vocabulary.js';
import { type XGrammar, xgrammar } from './xgrammar-binding.js';

export interface GrammarEngineOptions {
  /** Compiled constraints kept for reuse (default 64). */
  cacheSize?: number;
}

/** JSON is generated on one line with Python's default separators: no runaway whitespace. */
const jsonLayout = { anyWhitespace: false, indent: -1, separators: [', ', ': '] as [string, string] };

/** xgrammar's own diagnostic (`[FATAL] file:line: message`) without its source location. */
function describeEngineError(module: XGrammar, error: unknown): string {
  const printed = module.lastMessage;
  module.lastMessage = undefined;
  if (printed) return printed.replace(/^\[FATAL\]\s*\S+:\d+:\s*/, '');
  return error instanceof Error ? error.message : String(error);
}

export class GrammarEngine implements Disposable {
  private readonly compiled = new Map<string, CompiledGrammar>();
  private readonly cacheSize: number;
  private readonly mask: TokenMask;
  private disposed = false;

  private constructor(
    private readonly module: XGrammar,
    private readonly info: TokenizerInfo,
    private readonly compiler: GrammarCompiler,
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
    const module = await xgrammar();
    const info = await module.TokenizerInfo.createTokenizerInfo([...vocabulary.tokens], vocabulary.kind, vocabulary.prependSpace ?? false, vocabulary.size, [
      ...vocabulary.stopTokenIds,
    ]);
    const compiler = await module.GrammarCompiler.createGrammarCompiler(info, true);
    return new GrammarEngine(module, info, compiler, vocabulary, options);
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
        return this.compiler.compileJSONSchema('{"type": "object"}', anyWhitespace, indent, separators, false);
      case 'json_schema': {
        checkJsonSchema(constraint.schema);
        try {
          return await this.compiler.compileJSONSchema(JSON.stringify(constraint.schema), anyWhitespace, indent, separators, true);
        } catch (error) {
          throw new StructuredOutputError(
            `The JSON schema cannot be used for constrained decoding: ${describeEngineError(this.module, error)}`,
            'unsupported',
            undefined,
            { cause: error },
          );
        }
      }
      case 'grammar':
        try {
          return await this.compiler.compileGrammar(constraint.grammar);
        } catch (error) {
          throw new StructuredOutputError(`The grammar does not parse: ${describeEngineError(this.module, error)}`, 'invalid', undefined, { cause: error });
        }
      case 'structural_tag':
        try {
          return await this.compiler.compileStructuralTag({ type: 'structural_tag', format: constraint.format });
        } catch (error) {
          throw new StructuredOutputError(`The tool-call format cannot be compiled: ${describeEngineError(this.module, error)}`, 'unsupported', undefined, {
            cause: error,
          });
        }
    }
  }

  /** A fresh processor for one request (its own grammar state). */
  async createProcessor(constraint: Constraint): Promise<GrammarLogitsProcessor> {
    const grammar = await this.compile(constraint);
    const matcher = await this.module.GrammarMatcher.createGrammarMatcher(grammar);
    const processor = new GrammarLogitsProcessor(this.module, matcher, this.mask);
    // Caught here, a constraint nothing can satisfy is a bad request; in the batch, the token
    // sampled from an all-refused mask would fail the step of every row.
    if (!processor.admitsAnyToken()) {
      processor.dispose();
      throw new StructuredOutputError(
        'The constraint admits no output at all (a $ref that only refers to itself does this, for one); give it a schema that some value matches.',
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
