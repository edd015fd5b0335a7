// Worker-thread entry of the synth pool: runs jobs as they arrive (several at once, so rendering
// one overlaps encoding another) and answers each with its id.
import sharp from 'sharp';
import { serveJobs } from '../workers/serve.js';
import { runJob, type SynthJob } from './job.js';

// Two workers share two cores: one libvips thread per encode keeps them from oversubscribing.
sharp.concurrency(1);
sharp.cache(false);

serveJobs('synth', (job: SynthJob) => runJob(job));
