// Where the cache is, which hub to ask, with which token, and whether to ask at all: the same
// environment variables, with the same precedence, as Python's huggingface_hub.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HubOptions {
  /** The hub cache folder. Default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** The hub's base URL. Default: $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** An access token for gated or private repositories. Default: $HF_TOKEN. */
  token?: string;
  /** Never use the network; only the cache. Default: $HF_HUB_OFFLINE is 1/true/yes/on. */
  offline?: boolean;
}

export interface HubSettings {
  cacheDir: string;
  endpoint: string;
  token?: string;
  offline: boolean;
}

const truthy = new Set(['1', 'on', 'yes', 'true']);

/** The hub cache folder huggingface_hub uses for this environment. */
export function huggingFaceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

export function hubSettings(options: HubOptions = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  const token = options.token ?? (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined);
  return {
    cacheDir: options.cacheDir ?? huggingFaceCacheDir(env),
    endpoint: (options.endpoint ?? (env.HF_ENDPOINT || 'https://huggingface.co')).replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    offline: options.offline ?? truthy.has((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase()),
  };
}
