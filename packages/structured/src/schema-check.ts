// Checks a JSON Schema before it is compiled: invalid schemas and keywords the engine would
// silently ignore are refused with a message naming the place and the keyword, because a
// constraint that ignores part of a schema produces output that does not validate.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { StructuredOutputError } from './errors.js';

/** Keywords the grammar engine cannot enforce while generating. */
const unsupportedKeywords = new Set([
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'uniqueItems',
  'multipleOf',
  'contains',
  'minContains',
  'maxContains',
  'propertyNames',
  'patternProperties',
  'minProperties',
  'maxProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  '$dynamicRef',
]);

/** Enforced for integers only: the engine's number grammar does not bound decimals. */
const numberBounds = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/** Keywords whose values are schemas, maps of schemas or lists of schemas. */
const subschemaKeywords = {
  single: ['items', 'additionalProperties', 'additionalItems'],
  map: ['properties', '$defs', 'definitions'],
  list: ['anyOf', 'oneOf', 'allOf', 'prefixItems'],
};

let validator: Ajv2020 | undefined;

function metaValidator(): Ajv2020 {
  validator ??= new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  return validator;
}

function findUnsupported(schema: unknown, path: string): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const keyword of Object.keys(schema)) {
    if (unsupportedKeywords.has(keyword)) {
      throw new StructuredOutputError(
        `The schema uses '${keyword}' at ${path || '#'}, which constrained decoding does not support; remove it or express it with enum, anyOf or bounds.`,
        'unsupported',
        keyword,
      );
    }
  }
  const record = schema as Record<string, unknown>;
  for (const keyword of numberBounds) {
    if (keyword in record && record.type !== 'integer') {
      throw new StructuredOutputError(
        `The schema bounds a non-integer number with '${keyword}' at ${path || '#'}, which constrained decoding does not support; bound an integer, or drop the bound.`,
        'unsupported',
        keyword,
      );
    }
  }
  if (typeof record.$ref === 'string' && !record.$ref.startsWith('#')) {
    throw new StructuredOutputError(
      `The schema refers to '${record.$ref}' at ${path || '#'}; only local references ('#/$defs/...') are supported.`,
      'unsupported',
      '$ref',
    );
  }
  for (const keyword of subschemaKeywords.single) findUnsupported(record[keyword], `${path}/${keyword}`);
  for (const keyword of subschemaKeywords.map) {
    const map = record[keyword];
    if (typeof map === 'object' && map !== null) for (const [name, value] of Object.entries(map)) findUnsupported(value, `${path}/${keyword}/${name}`);
  }
  for (const keyword of subschemaKeywords.list) {
    const list = record[keyword];
    if (Array.isArray(list)) list.forEach((value, i) => findUnsupported(value, `${path}/${keyword}/${i}`));
  }
}

/** Throws a StructuredOutputError when `schema` is not a usable JSON Schema for constrained decoding. */
export function checkJsonSchema(schema: unknown): asserts schema is Record<string, unknown> | boolean {
  if (typeof schema === 'boolean') return;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new StructuredOutputError('The JSON schema must be an object.', 'invalid');
  }
  checkDepth(schema);
  // The draft is taken as 2020-12 whatever `$schema` says; the keywords we accept mean the same in draft 7.
  const { $schema: _draft, ...body } = schema as Record<string, unknown>;
  const ajv = metaValidator();
  if (!ajv.validateSchema(body)) {
    const error = ajv.errors?.[0];
    const where = error?.instancePath ? error.instancePath : '#';
    throw new StructuredOutputError(`The JSON schema is invalid at ${where}: ${error?.message ?? 'it does not match the JSON Schema meta-schema'}.`, 'invalid');
  }
  findUnsupported(body, '');
  // Compiling resolves references and regular expressions, which the meta-schema cannot check.
  try {
    ajv.compile(body);
  } catch (error) {
    throw new StructuredOutputError(`The JSON schema is invalid: ${(error as Error).message}.`, 'invalid', undefined, { cause: error });
  } finally {
    ajv.removeSchema();
  }
}

/** JSON nesting a schema may have: far past real schemas, well short of overflowing the grammar compiler's stack. */
export const maxSchemaDepth = 64;

/**
 * Refuses schemas nested deeper than maxSchemaDepth, walking without recursion. The grammar
 * compiler recurses over the schema: nested thousands deep, it would run into its recursion limit
 * or, on a compile thread's smaller stack, overflow it and take the process down, so such a
 * schema must never get there.
 */
function checkDepth(schema: object): void {
  const stack: [unknown, number][] = [[schema, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxSchemaDepth) {
      throw new StructuredOutputError(
        `The JSON schema is nested more than ${maxSchemaDepth} levels deep; flatten it (with $defs and $ref, say).`,
        'unsupported',
      );
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}
