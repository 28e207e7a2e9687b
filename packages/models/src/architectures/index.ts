// Every built-in architecture, registered by importing it (one line each).
import '../gemma3/index.js';
import './gemma2.js';
import './llama.js';
import './mistral.js';
import './phi3.js';
import './qwen2.js';
import './qwen3.js';
