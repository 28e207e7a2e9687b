import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { TokenizerError } from './errors.js';
import { strftime } from './strftime.js';

/** One chat message; extra fields (tool_calls, reasoning_content, ...) reach the template unchanged. */
export interface ChatMessage {
  role: string;
  content?: string | readonly Record<string, unknown>[] | null;
  [key: string]: unknown;
}

export interface ChatTemplateOptions {
  /** Append the prompt that opens the assistant's turn. Default false, as in transformers. */
  addGenerationPrompt?: boolean;
  /** Tool JSON schemas, handed to the template as `tools`. */
  tools?: readonly Record<string, unknown>[];
  /** Documents for retrieval templates, handed over as `documents`. */
  documents?: readonly Record<string, unknown>[];
  /** Use this template instead of the tokenizer's own. */
  chatTemplate?: string;
  /** Further variables for the template, e.g. `{ enable_thinking: false }`. */
  templateArguments?: Record<string, unknown>;
  /** Rendering stops with a TokenizerError after this many milliseconds. Default 1000. */
  timeoutMs?: number;
  /** Rendering stops with a TokenizerError when the output passes this many characters. Default 4 MiB. */
  maxOutputLength?: number;
}

const maxRangeLength = 100_000;
/**
 * `indent(width)` and `tojson(indent=n)` build width-sized padding per line before any output
 * check could see it: tojson(indent=10**8) allocated 400 MB. No real template pads further.
 */
const maxFilterWidth = 1024;
const widthFilters = new Set(['indent', 'tojson']);

type Program = ReturnType<typeof parse>;
interface RuntimeValue {
  type: string;
  value: unknown;
}
// The package's declaration files import './runtime' without an extension, which NodeNext cannot
// resolve, so the one method we extend is typed here.
interface InterpreterShape {
  run(program: Program): RuntimeValue;
  evaluate(statement: unknown, environment: unknown): RuntimeValue;
  applyFilter(operand: RuntimeValue, filter: { type: string; callee?: { value?: unknown } }, environment: unknown): RuntimeValue;
  evaluateArguments(args: unknown[], environment: unknown): [RuntimeValue[], Map<string, RuntimeValue>];
}
const BaseInterpreter = Interpreter as unknown as new (env: Environment) => InterpreterShape;

/** An interpreter that checks a deadline and the size of what it builds at every evaluation step. */
class BoundedInterpreter extends BaseInterpreter {
  private steps = 0;
  /** Set while a width-taking filter evaluates its own arguments (the first evaluateArguments inside it). */
  private checkFilterWidths = false;

  constructor(
    env: Environment,
    private readonly deadline: number,
    private readonly maxOutputLength: number,
  ) {
    super(env);
  }

  override evaluate(statement: unknown, environment: unknown): RuntimeValue {
    if ((++this.steps & 255) === 0 && performance.now() > this.deadline) {
      throw new TokenizerError('Chat template rendering took too long and was stopped; the template loops too much for its input.');
    }
    const value = super.evaluate(statement, environment);
    if (value.type === 'StringValue' && (value.value as string).length > this.maxOutputLength) {
      throw new TokenizerError(`Chat template output passed ${this.maxOutputLength} characters and was stopped.`);
    }
    // A list that doubles in a loop grows past any memory within a few dozen steps.
    if (value.type === 'ArrayValue' && (value.value as unknown[]).length > this.maxOutputLength) {
      throw new TokenizerError(`Chat template built a list of more than ${this.maxOutputLength} items and was stopped.`);
    }
    return value;
  }

  override applyFilter(operand: RuntimeValue, filter: { type: string; callee?: { value?: unknown } }, environment: unknown): RuntimeValue {
    this.checkFilterWidths = filter.type === 'CallExpression' && widthFilters.has(filter.callee?.value as string);
    try {
      return super.applyFilter(operand, filter, environment);
    } finally {
      this.checkFilterWidths = false;
    }
  }

  override evaluateArguments(args: unknown[], environment: unknown): [RuntimeValue[], Map<string, RuntimeValue>] {
    const check = this.checkFilterWidths;
    this.checkFilterWidths = false;
    const evaluated = super.evaluateArguments(args, environment);
    if (check) {
      for (const value of [...evaluated[0], ...evaluated[1].values()]) {
        if (value.type === 'IntegerValue' && Math.abs(value.value as number) > maxFilterWidth) {
          throw new TokenizerError(`Chat template asked for an indent of ${value.value as number}; the limit is ${maxFilterWidth}.`);
        }
      }
    }
    return evaluated;
  }
}

const compiled = new Map<string, Program>();

function compile(template: string): Program {
  let program = compiled.get(template);
  if (program === undefined) {
    try {
      program = parse(tokenize(template, { lstrip_blocks: true, trim_blocks: true }));
    } catch (error) {
      throw new TokenizerError(`The chat template does not parse: ${(error as Error).message}`, { cause: error });
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(template, program);
  }
  return program;
}

function boundedRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new Error('range() step must not be zero');
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > maxRangeLength) throw new TokenizerError(`Chat template asked for range() of ${length} items; the limit is ${maxRangeLength}.`);
  return Array.from({ length }, (_, i) => start + i * step);
}

/** Renders a Jinja chat template the way transformers' `apply_chat_template(tokenize=False)` does. */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], context: Record<string, unknown>, options: ChatTemplateOptions): string {
  if (!Array.isArray(messages)) throw new TokenizerError('applyChatTemplate expects an array of messages.');
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
      throw new TokenizerError(`Each chat message must be an object with a string role, got ${JSON.stringify(message)}.`);
    }
  }
  const program = compile(template);
  const env = new Environment();
  env.set('false', false);
  env.set('true', true);
  env.set('none', null);
  env.set('False', false);
  env.set('True', true);
  env.set('None', null);
  env.set('raise_exception', (message: unknown) => {
    throw new TokenizerError(`The chat template refused the messages: ${String(message)}`);
  });
  env.set('range', boundedRange);
  env.set('strftime_now', (format: string) => strftime(new Date(), format));
  const variables: Record<string, unknown> = {
    ...context,
    ...options.templateArguments,
    messages: structuredClone(messages),
    tools: options.tools ?? null,
    documents: options.documents ?? null,
    add_generation_prompt: options.addGenerationPrompt === true,
  };
  for (const [key, value] of Object.entries(variables)) env.set(key, value);
  const deadline = performance.now() + (options.timeoutMs ?? 1000);
  const interpreter = new BoundedInterpreter(env, deadline, options.maxOutputLength ?? 4 * 1024 * 1024);
  try {
    return interpreter.run(program).value as string;
  } catch (error) {
    if (TokenizerError.isInstance(error)) throw error;
    throw new TokenizerError(`The chat template failed: ${(error as Error).message}`, { cause: error });
  }
}
