// Which constraint a request asks for: a response format, a grammar, or its tool calls.
import { type Constraint, StructuredOutputError, type ToolFunction, toolCallConstraint } from '@mlx-ts/structured';
import { InvalidRequestError } from '../errors.js';
import type { GenerateOptions, ToolDefinition } from '../types.js';
import type { ToolCallFormat } from './tool-call-format.js';

export type ToolMode = 'none' | 'auto' | 'required';

/** How a request uses tools: which are offered, whether calls are parsed, and which must be called. */
export interface ToolPlan {
  mode: ToolMode;
  tools: readonly ToolDefinition[];
  /** The functions the constraint allows (all, or the one named by toolChoice). */
  callable: readonly ToolDefinition[];
  parallel: boolean;
}

export function toolPlan(options: GenerateOptions): ToolPlan | undefined {
  const tools = options.tools ?? [];
  if (!Array.isArray(tools)) throw new InvalidRequestError('tools must be a list of function definitions', 'tools');
  tools.forEach((tool, i) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function.name)) {
      throw new InvalidRequestError(
        `tools[${i}] must be { type: 'function', function: { name } } with a name of letters, digits, _ or - (at most 64)`,
        'tools',
      );
    }
  });
  const choice = options.toolChoice ?? (tools.length ? 'auto' : 'none');
  if (tools.length === 0) {
    if (choice !== 'none' && options.toolChoice !== undefined) throw new InvalidRequestError('toolChoice needs tools', 'toolChoice');
    return undefined;
  }
  const parallel = options.parallelToolCalls ?? true;
  if (choice === 'none' || choice === 'auto' || choice === 'required')
    return { mode: choice === 'required' ? 'required' : choice, tools, callable: tools, parallel };
  if (typeof choice === 'object' && choice?.type === 'function' && typeof choice.function?.name === 'string') {
    const named = tools.filter((tool) => tool.function.name === choice.function.name);
    if (named.length === 0) throw new InvalidRequestError(`toolChoice names the function '${choice.function.name}', which is not in tools`, 'toolChoice');
    return { mode: 'required', tools, callable: named, parallel: false };
  }
  throw new InvalidRequestError("toolChoice must be 'none', 'auto', 'required' or { type: 'function', function: { name } }", 'toolChoice');
}

/** The constraint of a request, or undefined for free text. */
export function requestConstraint(options: GenerateOptions, plan: ToolPlan | undefined, format: ToolCallFormat): Constraint | undefined {
  const responseFormat = options.responseFormat;
  if (options.grammar !== undefined && responseFormat !== undefined && responseFormat.type !== 'text') {
    throw new InvalidRequestError('give either grammar or responseFormat, not both', 'grammar');
  }
  const functions: ToolFunction[] | undefined = plan?.callable.map((tool) => ({ name: tool.function.name, parameters: tool.function.parameters }));
  if (plan?.mode === 'required') return toolConstraint(functions!, format, 'required', plan.parallel);
  if (options.grammar !== undefined) {
    if (typeof options.grammar !== 'string' || options.grammar.length === 0) throw new InvalidRequestError('grammar must be a non-empty string', 'grammar');
    return { type: 'grammar', grammar: options.grammar };
  }
  if (responseFormat !== undefined) {
    switch (responseFormat?.type) {
      case 'text':
        break;
      case 'json_object':
        return { type: 'json_object' };
      case 'json_schema':
        return { type: 'json_schema', schema: responseFormat.schema };
      default:
        throw new InvalidRequestError("responseFormat.type must be 'text', 'json_object' or 'json_schema'", 'responseFormat');
    }
  }
  if (plan?.mode === 'auto') return toolConstraint(functions!, format, 'auto', plan.parallel);
  return undefined;
}

/** The tool-call constraint; a tool's parameters schema that cannot be used is a bad request naming tools. */
function toolConstraint(functions: ToolFunction[], format: ToolCallFormat, mode: 'required' | 'auto', parallel: boolean): Constraint {
  try {
    return toolCallConstraint(functions, format.syntax, { mode, parallel });
  } catch (error) {
    if (StructuredOutputError.isInstance(error)) throw new InvalidRequestError(`tools: ${error.message}`, 'tools');
    throw error;
  }
}
