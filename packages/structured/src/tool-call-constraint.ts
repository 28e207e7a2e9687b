// Tool calls as a structural tag: each function is a tag whose begin string names it and whose
// content is its parameters' JSON schema. With `auto` the text is free until the family's
// trigger appears, and constrained from there; with `required` (or one named function) the
// output is calls only.
import type { Constraint, StructuralTagFormat } from './constraint.js';
import { checkJsonSchema } from './schema-check.js';

/** How a model family writes one call: `begin(name)` + arguments JSON + `end`. */
export interface ToolCallSyntax {
  /** Text that opens every call, a prefix of each `begin(name)` (e.g. `<tool_call>`). */
  trigger: string;
  begin(name: string): string;
  end: string;
  /** Between two calls of one turn. */
  separator: string;
}

export interface ToolFunction {
  name: string;
  /** JSON schema of the arguments object; absent = any object. */
  parameters?: Record<string, unknown>;
}

export interface ToolCallConstraintOptions {
  /** `auto`: text or calls; `required`: at least one call and nothing else. */
  mode: 'auto' | 'required';
  /** Several calls in one turn (default true). */
  parallel?: boolean;
}

export function toolCallConstraint(functions: readonly ToolFunction[], syntax: ToolCallSyntax, options: ToolCallConstraintOptions): Constraint {
  const tags = functions.map((fn) => {
    const schema = fn.parameters ?? { type: 'object' };
    checkJsonSchema(schema);
    return { type: 'tag' as const, begin: syntax.begin(fn.name), content: { type: 'json_schema' as const, json_schema: schema }, end: syntax.end };
  });
  const stopAfterFirst = options.parallel === false;
  const format: StructuralTagFormat =
    options.mode === 'auto'
      ? { type: 'triggered_tags', triggers: [syntax.trigger], tags, at_least_one: false, stop_after_first: stopAfterFirst }
      : { type: 'tags_with_separator', tags, separator: syntax.separator, at_least_one: true, stop_after_first: stopAfterFirst };
  return { type: 'structural_tag', format };
}
