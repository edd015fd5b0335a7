// The emitters zooclip ships, registered on first export rather than at import.
import { registerNnEmitters } from './nn_emitters.js';
import { registerVitEmitter } from './vit_emitter.js';
import { registerTextEmitter } from './text_emitter.js';
import { registerMapEmitters } from './map_ops.js';
import { registerMciEmitters } from './mci_emitters.js';
import { registerHeadEmitters } from './head_emitters.js';

let registered = false;

/**
 * Registers the built-in emitters (nn layers, ViT and MCi image towers, text tower, dense-head blocks) once.
 * @example registerBuiltinEmitters(); emitModule({ g }, model.visual, 'visual', 'pixel_values');
 */
export function registerBuiltinEmitters(): void {
  if (registered) return;
  registerNnEmitters();
  registerVitEmitter();
  registerTextEmitter();
  registerMapEmitters();
  registerMciEmitters();
  registerHeadEmitters();
  registered = true;
}
