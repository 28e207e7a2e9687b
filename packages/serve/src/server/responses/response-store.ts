// The conversations behind stored /v1/responses results, so that `previous_response_id` can
// continue one. In memory and bounded: the oldest entries go first once `capacity` is reached.
import type { Message } from '@mlx-ts/backend';

export class ResponseStore {
  private readonly conversations = new Map<string, readonly Message[]>();

  constructor(readonly capacity: number) {}

  get(id: string): readonly Message[] | undefined {
    const conversation = this.conversations.get(id);
    if (conversation) {
      // Refresh: a conversation being continued stays.
      this.conversations.delete(id);
      this.conversations.set(id, conversation);
    }
    return conversation;
  }

  set(id: string, conversation: readonly Message[]): void {
    if (this.capacity <= 0) return;
    this.conversations.set(id, conversation);
    while (this.conversations.size > this.capacity) this.conversations.delete(this.conversations.keys().next().value!);
  }
}
