// Every `zooclip` command, in the order `zooclip --help` lists them. Adding a command is one file
// in this folder and one line here.
import type { Command } from '../command.js';
import { demo } from './demo.js';
import { toy } from './toy.js';
import { importCmd } from './import.js';
import { synth } from './synth.js';
import { train } from './train.js';
import { trainExpert } from './train_expert.js';
import { trainCaptioner } from './train_captioner.js';
import { evalCmd } from './eval.js';
import { exportCmd } from './export.js';
import { caption } from './caption.js';
import { label } from './label.js';
import { reinforce } from './reinforce.js';
import { zooQuality } from './zoo_quality.js';
import { info } from './info.js';
import { serve } from './serve.js';

/**
 * The command table (`version` is shown by `info`).
 * @example commands('0.1.0').train.help
 */
export function commands(version: string): Record<string, Command> {
  return {
    demo, toy, import: importCmd, synth, train, 'train-expert': trainExpert, 'train-captioner': trainCaptioner,
    eval: evalCmd, export: exportCmd, caption, label, reinforce, 'zoo-quality': zooQuality, serve, info: info(version),
  };
}
