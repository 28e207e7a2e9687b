export type { Constraint, StructuralTagFormat } from './constraint.js';
export { GrammarEngineUnavailableError, StructuredOutputError, type StructuredOutputErrorKind } from './errors.js';
export { GrammarEngine, type GrammarEngineOptions } from './grammar-engine.js';
export { GrammarLogitsProcessor } from './grammar-logits-processor.js';
export { checkJsonSchema } from './schema-check.js';
export { TokenMask } from './token-mask.js';
export { toolCallConstraint, type ToolCallConstraintOptions, type ToolCallSyntax, type ToolFunction } from './tool-call-constraint.js';
export type { TokenVocabulary, VocabularyKind } from './vocabulary.js';
export { vocabularyFromTokenizer, type TokenizerLike } from './vocabulary-from-tokenizer.js';
