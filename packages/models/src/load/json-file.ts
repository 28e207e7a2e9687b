// JSON files of a model folder, with errors that name the file.
import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '../errors.js';

export async function readJsonFile(path: string, options: { optional?: boolean } = {}): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' && options.optional) return undefined;
    throw new ModelLoadError({ file: path, problem: 'it cannot be read', fix: 'Check that the model folder is complete', cause });
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new ModelLoadError({ file: path, problem: 'it is not a valid JSON object', fix: 'Restore the file from the original checkpoint', cause });
  }
}
