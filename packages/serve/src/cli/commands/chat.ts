// mlx-ts chat: an interactive conversation. Ctrl-C stops the reply being written; at an idle
// prompt it asks first (a second Ctrl-C, /exit or Ctrl-D quits). /reset forgets the conversation.
// A line ending in "\" continues on the next line, and """ opens and closes a multi-line block.
import { createInterface } from 'node:readline';
import type { Message } from '@mlx-ts/spec';
import { Command } from 'commander';
import { loadBackend } from '../load-backend.js';
import { addSamplingOptions, generateOptionsFrom, type SamplingFlags } from './sampling-options.js';
import { formatStats } from './generate.js';

interface ChatFlags extends SamplingFlags {
  model?: string;
  system?: string;
  verbose: boolean;
}

const help =
  'Commands: /reset forgets the conversation, /help shows this, /exit quits. Ctrl-C stops a reply. End a line with \\ to continue it, or wrap lines in """.';

export function chatCommand(): Command {
  const command = new Command('chat')
    .description('Chat with a model in the terminal, with streaming replies and history.')
    .option(
      '-m, --model <path|id>',
      'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)',
    )
    .option('--system <text>', 'a system message that starts every conversation')
    .option('-v, --verbose', 'after each reply, print its token counts and speed', false);
  return addSamplingOptions(command, 'most tokens per reply (default 512)').action(async (flags: ChatFlags) => {
    const backend = await loadBackend({ model: flags.model });
    const options = { maxTokens: 512, ...generateOptionsFrom(flags) };
    const start = (): Message[] => (flags.system ? [{ role: 'system', content: flags.system }] : []);
    let history = start();
    let reply: AbortController | undefined;
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
    let pendingQuit = false;
    let pending: string[] | undefined;
    let block = false;
    const onInterrupt = () => {
      if (reply) {
        reply.abort();
        return;
      }
      if (pendingQuit) {
        rl.close();
        return;
      }
      // At an idle prompt: drop a half-typed entry, and quit only when asked twice.
      pendingQuit = true;
      pending = undefined;
      block = false;
      process.stderr.write('\n(press Ctrl-C again, or type /exit, to quit)\n');
      showPrompt('> ');
    };
    let inputClosed = false;
    rl.on('close', () => (inputClosed = true));
    // Piped input can end while a reply is written; the lines already read still run, but a
    // closed readline refuses prompts (ERR_USE_AFTER_CLOSE), so prompt only while it is open.
    const showPrompt = (text: string) => {
      if (inputClosed) return;
      rl.setPrompt(text);
      rl.prompt();
    };
    rl.on('SIGINT', onInterrupt);
    // Without a terminal (piped input) Ctrl-C arrives as a signal instead.
    process.on('SIGINT', onInterrupt);
    process.stderr.write(`${help}\n`);
    showPrompt('> ');
    const ask = async (text: string) => {
      history.push({ role: 'user', content: text });
      reply = new AbortController();
      let answer = '';
      try {
        const stream = backend.stream({ messages: history, ...options }, reply.signal);
        for (;;) {
          const next = await stream.next();
          if (next.done) {
            if (next.value.finishReason === 'abort') process.stdout.write(' [stopped]');
            process.stdout.write('\n');
            if (flags.verbose) process.stderr.write(`${formatStats(next.value)}\n`);
            break;
          }
          if (next.value.type === 'text') {
            answer += next.value.text;
            process.stdout.write(next.value.text);
          }
        }
      } catch (error) {
        process.stderr.write(`\nmlx-ts: ${(error as Error).message}\n`);
      } finally {
        reply = undefined;
      }
      // A stopped reply stays in the history as far as it got, so the conversation reads on.
      if (answer) history.push({ role: 'assistant', content: answer });
      else history.pop();
    };
    try {
      for await (const line of rl) {
        pendingQuit = false;
        // Multi-line input: a """ block, or lines ending in a backslash.
        if (block || pending) {
          if (block && line.trim() === '"""') {
            block = false;
          } else if (!block && line.endsWith('\\')) {
            pending!.push(line.slice(0, -1));
            showPrompt('. ');
            continue;
          } else {
            pending!.push(line);
            if (block) {
              showPrompt('. ');
              continue;
            }
          }
          const text = pending!.join('\n').trim();
          pending = undefined;
          if (text) await ask(text);
          showPrompt('> ');
          continue;
        }
        if (line.trim() === '"""' || line.endsWith('\\')) {
          block = line.trim() === '"""';
          pending = block ? [] : [line.slice(0, -1)];
          showPrompt('. ');
          continue;
        }
        const text = line.trim();
        if (text === '/exit' || text === '/quit' || text === '/bye') break;
        if (text === '/reset') {
          history = start();
          process.stderr.write('(conversation reset)\n');
        } else if (text === '/help' || text === '/?') {
          process.stderr.write(`${help}\n`);
        } else if (/^\/[A-Za-z?]/.test(text)) {
          process.stderr.write(`mlx-ts: unknown command ${text.split(/\s/)[0]}; ${help}\n`);
        } else if (text) {
          await ask(text);
        }
        showPrompt('> ');
      }
    } finally {
      rl.close();
      process.off('SIGINT', onInterrupt);
      await backend.dispose();
    }
  });
}
