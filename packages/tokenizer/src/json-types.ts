/** The parts of Hugging Face tokenizer.json that this package reads. Unknown fields are ignored. */
export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: ComponentJson | null;
  pre_tokenizer?: ComponentJson | null;
  model: ModelJson;
  post_processor?: ComponentJson | null;
  decoder?: ComponentJson | null;
}

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

export interface ComponentJson {
  type: string;
  [key: string]: unknown;
}

export interface ModelJson {
  type?: string;
  vocab: Record<string, number>;
  merges?: (string | [string, string])[];
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  dropout?: number | null;
}

/** `{"String": " "}` or `{"Regex": "..."}` as tokenizer.json writes patterns. */
export type PatternJson = { String: string } | { Regex: string };
