// Sends one chat-completion request with the official openai package and prints the reply as JSON.
// Usage: node chat.mjs BASE_URL REQUEST.json
// The policy-serving tests use it as a client that shares no code with Gym.
import { readFileSync } from "node:fs";
import OpenAI from "openai";

const [baseURL, requestFile] = process.argv.slice(2);
if (!baseURL || !requestFile) {
  console.error("usage: node chat.mjs BASE_URL REQUEST.json");
  process.exit(2);
}

const client = new OpenAI({ baseURL, apiKey: "not-needed", maxRetries: 0, timeout: 60_000 });
try {
  const reply = await client.chat.completions.create(JSON.parse(readFileSync(requestFile, "utf8")));
  process.stdout.write(JSON.stringify(reply));
} catch (error) {
  console.error(`openai client: ${error.status ?? ""} ${error.message}`);
  process.exit(1);
}
