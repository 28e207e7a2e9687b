// What a request may be constrained to. Tool calls are expressed as structural tags (see
// tool-call-constraint.ts): free text, and from a trigger on, a call whose arguments match a schema.
import type { StructuralTagFormat } from './structural-tag.js';

export type { StructuralTagFormat };

export type Constraint =
  /** Any JSON object. */
  | { type: 'json_object' }
  /** JSON matching a schema (draft 2020-12; the keywords listed in the README). */
  | { type: 'json_schema'; schema: Record<string, unknown> | boolean }
  /** An EBNF grammar in xgrammar's syntax (GBNF-like; the root rule is `root`). */
  | { type: 'grammar'; grammar: string }
  /** xgrammar's structural tag: free text and tagged regions with their own formats. */
  | { type: 'structural_tag'; format: StructuralTagFormat };
