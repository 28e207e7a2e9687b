import { MlxBackend } from '@mlx-ts/backend';
const backend = await MlxBackend.load(process.argv[2]);
const msgs = [{ role: 'user', content: 'Write one sentence about cats.' }];
const a = await backend.chat(msgs, { maxTokens: 20 });
console.log('fresh', JSON.stringify(a.text), a.usage);
const b = await backend.generate('The capital of France is', { maxTokens: 8 });
const c = await backend.chat(msgs, { maxTokens: 20 });
console.log('after', JSON.stringify(c.text), c.usage);
await backend.dispose();
