// Imported into every test process by scripts/test.mjs (--import): tests run with the runtime
// settings the CLI applies (configureRuntime), since loading the addon alone changes none.
import { configureRuntime } from '../src/engine/runtime.js';

configureRuntime();
