export { hermesFormat, llama3Format, mistralFormat, promptedFormat, toolCallFormatFor } from './formats.js';
export { type ToolPlan, requestConstraint, toolPlan } from './request-constraint.js';
export { StructuredOutput } from './structured-output.js';
export { type ParsedToolCall, type ToolCallFormat, toolCallId, withIds } from './tool-call-format.js';
export { ToolCallStream, type ToolStreamPiece } from './tool-call-stream.js';
export { type TemplateInput, promptedToolInstructions, templateInput, templateTools } from './template-messages.js';
