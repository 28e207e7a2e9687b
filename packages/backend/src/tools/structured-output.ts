// The backend's side of constrained decoding: one grammar engine per model (made on first use,
// its vocabulary taken from the tokenizer), and one fresh logits processor per constrained request.
import { type Constraint, GrammarEngine, type GrammarLogitsProcessor, StructuredOutputError, vocabularyFromTokenizer } from '@mlx-ts/structured';
import type { Tokenizer } from '@mlx-ts/tokenizer';
import { InvalidRequestError } from '../errors.js';
import { toolCallFormatFor } from './formats.js';
import type { ToolCallFormat } from './tool-call-format.js';

export class StructuredOutput implements Disposable {
  readonly format: ToolCallFormat;
  /** Marker tokens of the tool-call format that the detokenizer would hide: id → text. */
  readonly markerIds: ReadonlyMap<number, string>;
  private engine: Promise<GrammarEngine> | undefined;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly logitsWidth: number,
    private readonly stopTokenIds: readonly number[],
  ) {
    this.format = toolCallFormatFor(tokenizer.chatTemplate);
    const markers = new Map<number, string>();
    for (const marker of this.format.markerTokens) {
      const id = tokenizer.tokenToId(marker);
      if (id !== undefined && tokenizer.isSpecialToken(id)) markers.set(id, marker);
    }
    this.markerIds = markers;
  }

  private grammarEngine(): Promise<GrammarEngine> {
    this.engine ??= GrammarEngine.create(vocabularyFromTokenizer(this.tokenizer, this.logitsWidth, this.stopTokenIds, this.format.markerTokens));
    return this.engine;
  }

  /** A processor for `constraint`; a schema or grammar the engine refuses is an InvalidRequestError naming `param`. */
  async processor(constraint: Constraint, param: string): Promise<GrammarLogitsProcessor> {
    const engine = await this.grammarEngine();
    try {
      return await engine.createProcessor(constraint);
    } catch (error) {
      if (StructuredOutputError.isInstance(error)) throw new InvalidRequestError(`${param}: ${error.message}`, param);
      throw error;
    }
  }

  dispose(): void {
    this.engine?.then((engine) => engine.dispose()).catch(() => undefined);
    this.engine = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
