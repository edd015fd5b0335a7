// Entry point of a decode worker thread: receives chunks of sample tasks, answers each chunk with
// one message whose arrays are transferred. Loads only the addon's pure image functions (never
// the engine or tensor handles).
import { workerData } from 'node:worker_threads';
import { serveJobs } from '../workers/serve.js';
import { type SampleResult, type SampleTask, type TransformConfig, transferables, transformSample } from './transform.js';

const cfg = workerData as TransformConfig;

serveJobs('decode', (tasks: SampleTask[]): SampleResult[] => tasks.map((t) => transformSample(t, cfg)), (results) => results.flatMap(transferables));
