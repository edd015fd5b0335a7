// Dense probes for `zooclip eval` and the demo: frozen or finetuned encoders, data-efficiency fractions, seeds.
export { runDenseProbes, type DenseProbeOptions, type DenseProbeResults, type ProbeEncoder, type ProbeFraction, type ProbeRun, type TaskProbeResult } from './run.js';
export { nestedSubsets, subsetSize } from './subsets.js';
export { meanStd } from './stats.js';
