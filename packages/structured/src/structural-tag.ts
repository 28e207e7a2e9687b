// xgrammar's structural tag format (the `format` of `{"type": "structural_tag", "format": ...}`),
// as xgrammar 0.2.9 reads it: free text and tagged regions, each region with its own format.
// Only the formats this package is known to pass through are typed; the engine checks the rest.

export type JSONSchemaValue = boolean | Record<string, unknown>;

export interface ConstStringFormat {
  type: 'const_string';
  value: string;
}

export interface JSONSchemaFormat {
  type: 'json_schema';
  json_schema: JSONSchemaValue;
}

export interface QwenXMLParameterFormat {
  type: 'qwen_xml_parameter';
  json_schema: JSONSchemaValue;
}

export interface AnyTextFormat {
  type: 'any_text';
}

export interface GrammarFormat {
  type: 'grammar';
  grammar: string;
}

export interface RegexFormat {
  type: 'regex';
  pattern: string;
}

export interface SequenceFormat {
  type: 'sequence';
  elements: StructuralTagFormat[];
}

export interface OrFormat {
  type: 'or';
  elements: StructuralTagFormat[];
}

export interface TagFormat {
  type: 'tag';
  begin: string;
  content: StructuralTagFormat;
  /** One end string, or several that each close the tag. */
  end: string | string[];
}

export interface TriggeredTagsFormat {
  type: 'triggered_tags';
  triggers: string[];
  tags: TagFormat[];
  at_least_one?: boolean;
  stop_after_first?: boolean;
}

export interface TagsWithSeparatorFormat {
  type: 'tags_with_separator';
  tags: TagFormat[];
  separator: string;
  at_least_one?: boolean;
  stop_after_first?: boolean;
}

export type StructuralTagFormat =
  | AnyTextFormat
  | ConstStringFormat
  | JSONSchemaFormat
  | GrammarFormat
  | RegexFormat
  | QwenXMLParameterFormat
  | OrFormat
  | SequenceFormat
  | TagFormat
  | TriggeredTagsFormat
  | TagsWithSeparatorFormat;
