// `npm run bench -- <name> [options]`: runs one benchmark (or all) with its peer.
import { benchEngine } from './engine.js';
import { benchLoader } from './loader.js';
import { benchModels } from './models.js';
import { benchTokenizer } from './tokenizer.js';

const BENCHES: Record<string, (args: string[]) => void> = { engine: benchEngine, models: benchModels, tokenizer: benchTokenizer, loader: benchLoader };

const [name = 'all', ...args] = process.argv.slice(2);
if (name === 'all') for (const b of Object.values(BENCHES)) b(args);
else if (BENCHES[name]) BENCHES[name]!(args);
else {
  console.error(`unknown benchmark '${name}' (one of: ${Object.keys(BENCHES).join(', ')}, all)`);
  process.exitCode = 2;
}
