// `npm run bench -- <name> [options]`: runs one benchmark (or all) with its peer. Each bench is
// imported only when asked for, so one bench's dependencies never stop another from running.
import { configureRuntime } from '../src/engine/runtime.js';
type Bench = (args: string[]) => void | Promise<void>;
const BENCHES: Record<string, () => Promise<Bench>> = {
  engine: async () => (await import('./engine.js')).benchEngine,
  models: async () => (await import('./models.js')).benchModels,
  tokenizer: async () => (await import('./tokenizer.js')).benchTokenizer,
  loader: async () => (await import('./loader.js')).benchLoader,
  train: async () => (await import('./train.js')).benchTrain,
  objectives: async () => (await import('./objectives.js')).benchObjectives,
  zoo: async () => (await import('./zoo.js')).benchZoo,
  serve: async () => (await import('./serve.js')).benchServe,
};

configureRuntime();  // the CLI's thread count and allocator tuning, so timings match a real run
const [name = 'all', ...args] = process.argv.slice(2);
if (name === 'all') {
  for (const load of Object.values(BENCHES)) await (await load())(args);
} else if (BENCHES[name]) {
  await (await BENCHES[name]!())(args);
} else {
  console.error(`unknown benchmark '${name}' (one of: ${Object.keys(BENCHES).join(', ')}, all)`);
  process.exitCode = 2;
}
