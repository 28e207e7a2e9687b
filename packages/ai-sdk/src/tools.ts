// The AI SDK's function tools and tool choice as the Backend's ToolDefinition / ToolChoice.
// Provider-defined tools belong to other providers' servers: they are reported, not sent.
import type { LanguageModelV4CallOptions, SharedV4Warning } from '@ai-sdk/provider';
import type { ToolChoice, ToolDefinition } from '@mlx-ts/spec';

export function toTools(
  tools: LanguageModelV4CallOptions['tools'],
  toolChoice: LanguageModelV4CallOptions['toolChoice'],
  warnings: SharedV4Warning[],
): { tools?: ToolDefinition[]; toolChoice?: ToolChoice } {
  const definitions: ToolDefinition[] = [];
  for (const tool of tools ?? []) {
    if (tool.type === 'provider') {
      warnings.push({ type: 'unsupported', feature: `provider-defined tool ${tool.id}`, details: 'only function tools run locally' });
      continue;
    }
    if (tool.inputExamples !== undefined && tool.inputExamples.length > 0) {
      warnings.push({ type: 'unsupported', feature: 'tool input examples', details: `the examples of tool "${tool.name}" are not shown to the model` });
    }
    definitions.push({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.inputSchema as Record<string, unknown>,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    });
  }
  if (definitions.length === 0) return {};
  return { tools: definitions, ...(toolChoice !== undefined ? { toolChoice: toToolChoice(toolChoice) } : {}) };
}

function toToolChoice(choice: NonNullable<LanguageModelV4CallOptions['toolChoice']>): ToolChoice {
  return choice.type === 'tool' ? { type: 'function', function: { name: choice.toolName } } : choice.type;
}
