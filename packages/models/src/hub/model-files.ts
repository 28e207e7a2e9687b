// Which files of a repository make a loadable model: the weights and the few JSON/Jinja files
// next to them for a safetensors model, or exactly one .gguf picked by its quantization tag (as
// llama.cpp's -hf and node-llama-cpp pick it). Everything else (READMEs, PyTorch or ONNX copies,
// other quantizations) is never downloaded.

/** Files read next to the weights of a safetensors model, when the repository has them. */
export const companionFiles = [
  'config.json',
  'generation_config.json',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.model',
  'chat_template.jinja',
  'chat_template.json',
] as const;

/** llama.cpp picks this quantization when a GGUF repository has several and the reference names none. */
export const defaultQuantization = 'Q4_K_M';

export type ModelFiles =
  /** A safetensors model: the snapshot folder is what loadModel reads. `required` must all be present. */
  | { kind: 'folder'; files: string[]; required: string[] }
  /** A GGUF model: the one file loadModel reads. */
  | { kind: 'gguf'; files: [string]; file: string };

export interface NoModelFiles {
  problem: string;
  fix: string;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const splitGguf = /-\d{5}-of-\d{5}\.gguf$/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hasTag(path: string, tag: string): boolean {
  return new RegExp(`(?:^|[-_.])${escapeRegExp(tag)}(?:[-_.]|$)`, 'i').test(baseName(path).replace(/\.gguf$/i, ''));
}

function safetensorsWeights(paths: readonly string[]): string[] {
  const topLevel = paths.filter((path) => !path.includes('/') && path.endsWith('.safetensors'));
  // mlx-community and transformers name their weights model.safetensors or model-0000i-of-0000n;
  // other top-level .safetensors next to them (consolidated.*, adapters.*) are duplicates or extras.
  const model = topLevel.filter((path) => /^model(?:-\d+-of-\d+)?\.safetensors$/.test(path));
  return (model.length > 0 ? model : topLevel).sort();
}

function chooseGguf(paths: readonly string[], quantization: string | undefined): ModelFiles | NoModelFiles {
  const ggufs = paths.filter((path) => path.toLowerCase().endsWith('.gguf') && !baseName(path).toLowerCase().startsWith('mmproj')).sort();
  const whole = ggufs.filter((path) => !splitGguf.test(path));
  const listing = ggufs.length > 0 ? `its GGUF files are ${ggufs.join(', ')}` : 'it has no .gguf file';
  const pick = (tag: string) => whole.filter((path) => hasTag(path, tag));
  if (quantization !== undefined) {
    const matches = pick(quantization);
    if (matches.length >= 1) return { kind: 'gguf', files: [matches[0]!], file: matches[0]! };
    const split = ggufs.some((path) => splitGguf.test(path) && hasTag(path.replace(splitGguf, '.gguf'), quantization));
    return split
      ? {
          problem: `its ${quantization} GGUF is split into parts, which this library does not load`,
          fix: "Merge the parts with llama.cpp's `llama-gguf-split --merge`, or pick another quantization",
        }
      : { problem: `no GGUF file is tagged ${quantization} (${listing})`, fix: 'Pick one of the listed quantizations, e.g. org/name:Q8_0' };
  }
  if (whole.length === 1) return { kind: 'gguf', files: [whole[0]!], file: whole[0]! };
  const preferred = pick(defaultQuantization);
  if (preferred.length >= 1) return { kind: 'gguf', files: [preferred[0]!], file: preferred[0]! };
  return whole.length > 1
    ? {
        problem: `it has several GGUF files (${whole.join(', ')}) and the reference names no quantization`,
        fix: 'Add the quantization tag, e.g. org/name:Q8_0',
      }
    : {
        problem: `it has neither config.json with .safetensors weights nor a single-file .gguf (${listing})`,
        fix: 'Use a repository with safetensors weights (e.g. from mlx-community) or a GGUF repository',
      };
}

/** The files to fetch (or to find in the cache) for a repository with these paths. */
export function chooseModelFiles(paths: readonly string[], quantization?: string): ModelFiles | NoModelFiles {
  const weights = safetensorsWeights(paths);
  if (quantization === undefined && weights.length > 0 && paths.includes('config.json')) {
    const present = new Set(paths);
    return { kind: 'folder', files: [...companionFiles.filter((file) => present.has(file)), ...weights], required: ['config.json', ...weights] };
  }
  return chooseGguf(paths, quantization);
}

export function isNoModelFiles(choice: ModelFiles | NoModelFiles): choice is NoModelFiles {
  return 'problem' in choice;
}
