// mlx-ts chat: an interactive conversation. Ctrl-C stops the reply being written; at the prompt
// it (or /exit, or Ctrl-D) quits. /reset forgets the conversation.
import { createInterface } from 'node:readline';
import type { Message } from '@mlx-ts/spec';
import { Command } from 'commander';
import { loadBackend } from '../load-backend.js';
import { addSamplingOptions, generateOptionsFrom, type SamplingFlags } from './sampling-options.js';

interface ChatFlags extends SamplingFlags {
  model?: string;
  system?: string;
}

const help = 'Commands: /reset forgets the conversation, /exit quits. Ctrl-C stops a reply.';

export function chatCommand(): Command {
  const command = new Command('chat')
    .description('Chat with a model in the terminal, with streaming replies and history.')
    .option('-m, --model <path|id>', 'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)')
    .option('--system <text>', 'a system message that starts every conversation');
  return addSamplingOptions(command, 'most tokens per reply (default 512)').action(async (flags: ChatFlags) => {
    const backend = await loadBackend({ model: flags.model });
    const options = { maxTokens: 512, ...generateOptionsFrom(flags) };
    const start = (): Message[] => (flags.system ? [{ role: 'system', content: flags.system }] : []);
    let history = start();
    let reply: AbortController | undefined;
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
    const onInterrupt = () => {
      if (reply) reply.abort();
      else rl.close();
    };
    let inputClosed = false;
    rl.on('close', () => (inputClosed = true));
    rl.on('SIGINT', onInterrupt);
    // Without a terminal (piped input) Ctrl-C arrives as a signal instead.
    process.on('SIGINT', onInterrupt);
    process.stderr.write(`${help}\n`);
    rl.prompt();
    try {
      for await (const line of rl) {
        const text = line.trim();
        if (text === '/exit' || text === '/quit') break;
        if (text === '/reset') {
          history = start();
          process.stderr.write('(conversation reset)\n');
        } else if (text === '/help') {
          process.stderr.write(`${help}\n`);
        } else if (text) {
          history.push({ role: 'user', content: text });
          reply = new AbortController();
          let answer = '';
          try {
            for await (const event of backend.stream({ messages: history, ...options }, reply.signal)) {
              if (event.type === 'text') {
                answer += event.text;
                process.stdout.write(event.text);
              } else if (event.type === 'done' && event.finishReason === 'abort') {
                process.stdout.write(' [stopped]');
              }
            }
          } catch (error) {
            process.stderr.write(`\nerror: ${(error as Error).message}\n`);
          } finally {
            reply = undefined;
          }
          process.stdout.write('\n');
          // A stopped reply stays in the history as far as it got, so the conversation reads on.
          if (answer) history.push({ role: 'assistant', content: answer });
          else history.pop();
        }
        if (!inputClosed) rl.prompt();
      }
    } finally {
      rl.close();
      process.off('SIGINT', onInterrupt);
      await backend.dispose();
    }
  });
}
