import { TokenizerError } from './errors.js';
import type { ComponentJson } from './json-types.js';

/** Adds the special tokens around one encoded sequence (`add_special_tokens`). */
export type PostProcessor = (ids: number[]) => number[];

interface TemplatePiece {
  SpecialToken?: { id: string };
  Sequence?: { id: string };
}

function template(config: ComponentJson): PostProcessor {
  const single = (config.single as TemplatePiece[]) ?? [];
  const specials = (config.special_tokens as Record<string, { ids: number[] }>) ?? {};
  const before: number[] = [];
  const after: number[] = [];
  let seenSequence = false;
  for (const piece of single) {
    if (piece.Sequence) {
      seenSequence = true;
      continue;
    }
    const name = piece.SpecialToken?.id;
    const entry = name !== undefined ? specials[name] : undefined;
    if (!entry) throw new TokenizerError(`TemplateProcessing names special token ${JSON.stringify(name)} that is missing from its special_tokens map.`);
    if (!Array.isArray(entry.ids) || !entry.ids.every(isId))
      throw new TokenizerError(`TemplateProcessing special token ${JSON.stringify(name)} has ids that are not a list of token ids.`);
    (seenSequence ? after : before).push(...entry.ids);
  }
  return (ids) => (before.length === 0 && after.length === 0 ? ids : [...before, ...ids, ...after]);
}

const isId = (id: unknown): id is number => Number.isSafeInteger(id) && (id as number) >= 0;

function wrap(config: ComponentJson): PostProcessor {
  const cls = (config.cls as [string, number] | undefined)?.[1];
  const sep = (config.sep as [string, number] | undefined)?.[1];
  if (!isId(cls) || !isId(sep)) throw new TokenizerError(`${config.type} needs "cls" and "sep" as [token, id] pairs.`);
  return (ids) => [cls, ...ids, sep];
}

export function buildPostProcessor(config: ComponentJson | null | undefined): PostProcessor | null {
  if (!config) return null;
  switch (config.type) {
    case 'TemplateProcessing':
      return template(config);
    case 'ByteLevel':
      return null; // only adjusts offsets, which this package does not report
    case 'RobertaProcessing':
    case 'BertProcessing':
      return wrap(config);
    case 'Sequence': {
      const steps = ((config.processors as ComponentJson[]) ?? []).map(buildPostProcessor).filter((p): p is PostProcessor => p !== null);
      return steps.length === 0 ? null : (ids) => steps.reduce((acc, step) => step(acc), ids);
    }
    default:
      throw new TokenizerError(
        `Unsupported post-processor type "${config.type}" in tokenizer.json. Supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence.`,
      );
  }
}
