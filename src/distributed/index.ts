// Data parallel: process group setup, collectives and a local launcher.
export { initDistributed, destroyDistributed, distConfigFromEnv, distributed, type DistConfig } from './distributed.js';
export { launchLocal, freePort, type LaunchOptions, type LaunchResult } from './launch.js';
