// The official Python `openai` client (tools/requirements-test.txt, installed into the test venv by
// tools/setup-test-data.sh) against `mlx-ts serve` on the real Gemma 3 270M: omitted sampling
// parameters sample (n: 2 differ), the Responses API returns mlx-lm's text, and structured output
// and a required tool call arrive parsed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Running, runCli } from './cli-helpers.js';
import { dataRoot, reference, referenceModel, testModelPath } from './helpers.js';

const python = join(dataRoot, 'venv', 'bin', 'python');
let serve: Running;
let port: number;

beforeAll(async () => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`bash tools/setup-test-data.sh\` from the repository root.`);
  port = await freePort();
  serve = runCli(['serve', '--model', testModelPath(referenceModel), '--model-id', 'gemma-3-270m', '--port', String(port), '--log-format', 'off']);
  await serve.waitFor(/serving model "/, 120_000);
});

afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
});

describe('the Python openai client', () => {
  it('defaults, responses.create (plain and streamed) and previous_response_id', () => {
    const prompt = reference.chat.messages[0].content;
    const script = join(import.meta.dirname, 'python', 'openai_client.py');
    const out = JSON.parse(
      execFileSync(python, [script, `http://127.0.0.1:${port}/v1`, 'gemma-3-270m', prompt, String(reference.maxTokens)], { encoding: 'utf8' }),
    );
    expect(out.n2).toHaveLength(2);
    expect(out.n2[0]).not.toBe(out.n2[1]);
    expect(out.responses).toEqual({
      text: reference.chat.text,
      status: 'incomplete',
      input_tokens: reference.chat.promptTokens,
      output_tokens: reference.chat.completionIds.length,
    });
    expect(out.stream.text).toBe(reference.chat.text);
    expect(out.stream.types[0]).toBe('response.created');
    expect(out.stream.types.at(-1)).toBe('response.incomplete');
    expect(out.stream.types).toContain('response.output_text.done');
    expect(out.follow.previous).toMatch(/^resp_/);
    expect(out.follow.input_tokens).toBe(out.follow.chat_prompt_tokens);
    expect(out.follow.text).toBe(out.follow.chat_text);
  });

  it('parse() with a pydantic model gets a parsed object, and a required tool call arrives', () => {
    // The client runs in its own process against the server's: a process that has used the
    // pthreads OpenBLAS can hang in fork() (its at-fork handler joins busy threads).
    const script = join(import.meta.dirname, 'python', 'structured_client.py');
    const stdout = execFileSync(python, [script, `http://127.0.0.1:${port}/v1`, 'gemma-3-270m'], { encoding: 'utf8', timeout: 600_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      parsedType: string;
      pet: { name: string; kind: string; age: number };
      finishReason: string;
      call: { name: string; arguments: { kind: string } };
    };
    expect(result.parsedType).toBe('Pet');
    expect(['cat', 'dog', 'fish']).toContain(result.pet.kind);
    expect(result.pet.name.length).toBeLessThanOrEqual(12);
    expect(result.pet.age).toBeGreaterThanOrEqual(0);
    expect(result.pet.age).toBeLessThanOrEqual(30);
    expect(result.finishReason).toBe('tool_calls');
    expect(result.call.name).toBe('find_pet');
    expect(['cat', 'dog']).toContain(result.call.arguments.kind);
  });
});
