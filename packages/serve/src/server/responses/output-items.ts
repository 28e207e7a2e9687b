// The output items of a response, whole (`outputItems`) or streamed (`StreamedOutput`): a message
// item for the text, if there is any or nothing else, then a function_call item per call. Text
// that is only whitespace around calls is the template's layout, not an answer: no item for it.
import type { GenerateResult, ToolCall } from '@mlx-ts/backend';
import type { ChoiceToolCallDelta } from '../response-format.js';
import { functionCallItem, messageItem, outputTextPart } from './response-object.js';

export type ItemStatus = 'completed' | 'incomplete';

export function outputItems(result: GenerateResult, status: ItemStatus, newId: (prefix: string) => string): unknown[] {
  const calls = result.toolCalls ?? [];
  const items: unknown[] = calls.length > 0 && result.text.trim() === '' ? [] : [messageItem(newId('msg_'), status, result.text)];
  for (const call of calls) items.push(functionCallItem(newId('fc_'), 'completed', call));
  return items;
}

export type SendEvent = (type: string, fields: Record<string, unknown>) => Promise<unknown>;

type OpenItem = { kind: 'message'; id: string; index: number; text: string } | { kind: 'call'; id: string; index: number; callIndex: number; call: ToolCall };

/**
 * Streams the items as OpenAI does: each opens with response.output_item.added and closes with
 * response.output_item.done before the next opens; text comes as output_text deltas, a call's
 * arguments as function_call_arguments deltas. What a client was sent is what the final items hold.
 */
export class StreamedOutput {
  private readonly items: OpenItem[] = [];
  private open: OpenItem | undefined;
  /** Whitespace held back until it turns out to be part of an answer. */
  private pendingText = '';

  constructor(
    private readonly send: SendEvent,
    private readonly newId: (prefix: string) => string,
  ) {}

  async text(delta: string): Promise<void> {
    if (this.open?.kind !== 'message') {
      this.pendingText += delta;
      if (this.pendingText.trim() === '') return;
      await this.openMessage();
      delta = this.pendingText;
      this.pendingText = '';
    }
    const message = this.open as Extract<OpenItem, { kind: 'message' }>;
    message.text += delta;
    await this.send('response.output_text.delta', { ...this.where(message), delta, logprobs: [] });
  }

  async toolCallDelta(event: ChoiceToolCallDelta): Promise<void> {
    let item = this.open?.kind === 'call' && this.open.callIndex === event.callIndex ? this.open : undefined;
    if (!item) {
      const call: ToolCall = { id: event.id ?? this.newId('call_'), type: 'function', function: { name: event.name ?? '', arguments: '' } };
      item = await this.openCall(event.callIndex, call);
    }
    if (event.argumentsDelta === '') return;
    item.call.function.arguments += event.argumentsDelta;
    await this.send('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta: event.argumentsDelta });
  }

  /** Closes what is open (and sends calls the stream did not), returning the response's output. */
  async finish(result: GenerateResult, status: ItemStatus): Promise<unknown[]> {
    const calls = result.toolCalls ?? [];
    for (const [callIndex, call] of calls.entries()) {
      if (this.items.some((item) => item.kind === 'call' && item.callIndex === callIndex)) continue;
      const item = await this.openCall(callIndex, { ...call, function: { ...call.function, arguments: '' } });
      await this.toolCallDelta({ type: 'tool-call-delta', callIndex, argumentsDelta: call.function.arguments });
      item.call.function.arguments = call.function.arguments;
    }
    // Nothing but (maybe) whitespace: that is the answer, in a message item as always.
    if (this.items.length === 0) {
      await this.openMessage();
      const whitespace = this.pendingText;
      this.pendingText = '';
      if (whitespace !== '') await this.text(whitespace);
    }
    await this.close(status);
    return this.items.map((item) => this.itemObject(item, status));
  }

  private where(message: OpenItem) {
    return { item_id: message.id, output_index: message.index, content_index: 0 };
  }

  private itemObject(item: OpenItem, status: ItemStatus) {
    return item.kind === 'message' ? messageItem(item.id, status, item.text) : functionCallItem(item.id, 'completed', item.call);
  }

  private async openMessage(): Promise<void> {
    await this.close('completed');
    const message: OpenItem = { kind: 'message', id: this.newId('msg_'), index: this.items.length, text: '' };
    this.items.push(message);
    this.open = message;
    await this.send('response.output_item.added', { output_index: message.index, item: messageItem(message.id, 'in_progress') });
    await this.send('response.content_part.added', { ...this.where(message), part: outputTextPart('') });
  }

  private async openCall(callIndex: number, call: ToolCall): Promise<Extract<OpenItem, { kind: 'call' }>> {
    await this.close('completed');
    const item: Extract<OpenItem, { kind: 'call' }> = { kind: 'call', id: this.newId('fc_'), index: this.items.length, callIndex, call };
    this.items.push(item);
    this.open = item;
    await this.send('response.output_item.added', { output_index: item.index, item: functionCallItem(item.id, 'in_progress', call) });
    return item;
  }

  private async close(status: ItemStatus): Promise<void> {
    const item = this.open;
    if (!item) return;
    this.open = undefined;
    if (item.kind === 'message') {
      await this.send('response.output_text.done', { ...this.where(item), text: item.text, logprobs: [] });
      await this.send('response.content_part.done', { ...this.where(item), part: outputTextPart(item.text) });
    } else {
      await this.send('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: item.index,
        name: item.call.function.name,
        arguments: item.call.function.arguments,
      });
    }
    await this.send('response.output_item.done', { output_index: item.index, item: this.itemObject(item, status) });
  }
}
