/** Token fields of tokenizer_config.json / special_tokens_map.json: a string or an AddedToken object. */
export type TokenField = string | { content: string } | null | undefined;

/** What this package reads from tokenizer_config.json, special_tokens_map.json and friends. */
export interface TokenizerConfig {
  bos_token?: TokenField;
  eos_token?: TokenField;
  unk_token?: TokenField;
  pad_token?: TokenField;
  additional_special_tokens?: TokenField[];
  chat_template?: string | { name: string; template: string }[] | null;
  [key: string]: unknown;
}

export function tokenFieldContent(field: TokenField): string | undefined {
  if (field == null) return undefined;
  return typeof field === 'string' ? field : field.content;
}
