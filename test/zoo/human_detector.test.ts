// The real pretrained COCO detector of @vladmandic/human (CenterNet, tfjs-wasm, loaded offline from
// the installed package) on two real photographs from scikit-image's data (test/fixtures/zoo/README.md):
// the astronaut (a person) and the coffee cup. Expected boxes were read off the images by eye.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadHumanDetector } from '../../src/zoo/expert_human.js';
import { boxIou } from '../../src/zoo/human/nms.js';
import { tf } from '../../src/zoo/human/tfjs_wasm.js';
import type { RgbImage } from '../../src/zoo/types.js';

async function photo(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(process.cwd(), 'test', 'fixtures', 'zoo', name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Person in astronaut.jpg (512x512): hair top to the bottom edge, left arm to right shoulder. */
const PERSON: [number, number, number, number] = [18, 14, 365, 512];
/** The cup in coffee.jpg (600x400): rim left/right edges, rim top to the cup's foot (saucer excluded). */
const CUP: [number, number, number, number] = [172, 18, 410, 290];

test('human CenterNet finds the person and the cup with the right class and box (IoU > 0.5)', async () => {
  const det = await loadHumanDetector();
  assert.equal(det.task, 'det');
  assert.match(det.name, /^human:centernet@3\.3\.6$/);
  assert.equal(det.classes!.length, 80);
  const [astronaut, coffee] = await Promise.all([photo('astronaut.jpg'), photo('coffee.jpg')]);

  const live = tf.memory().numTensors;
  const [a] = await det.predict([astronaut]);
  assert.equal(tf.memory().numTensors, live, 'predict leaves no tfjs tensors behind');
  assert.ok(a.det!.boxes.length >= 1, 'a box above the default 0.5 score');
  assert.equal(a.det!.names![0], 'person');
  assert.equal(a.det!.labels[0], 0);
  const iouPerson = boxIou(a.det!.boxes[0], PERSON);
  assert.ok(iouPerson > 0.5, `person box ${a.det!.boxes[0].map(Math.round)} IoU ${iouPerson.toFixed(3)}`);
  for (const b of a.det!.boxes) assert.ok(b[0] >= 0 && b[1] >= 0 && b[2] <= 512 && b[3] <= 512, 'boxes lie in the image');

  const [c] = await det.predict([coffee], { threshold: 0.3 });
  const cup = c.det!.names!.indexOf('cup');
  assert.ok(cup >= 0, `a cup among ${c.det!.names!.join(', ')}`);
  const iouCup = boxIou(c.det!.boxes[cup], CUP);
  assert.ok(iouCup > 0.5, `cup box ${c.det!.boxes[cup].map(Math.round)} IoU ${iouCup.toFixed(3)}`);
  assert.ok(c.det!.scores.every((s) => s >= 0.3));
  // Boxes of one object are not repeated under other classes (class-agnostic NMS).
  for (let i = 0; i < c.det!.boxes.length; i++) {
    for (let j = i + 1; j < c.det!.boxes.length; j++) assert.ok(boxIou(c.det!.boxes[i], c.det!.boxes[j]) <= 0.5);
  }

  const [none] = await det.predict([coffee], { threshold: 0.99 });
  assert.equal(none.det!.boxes.length, 0);
  det.dispose();
  assert.ok(tf.memory().numTensors < live, 'dispose frees the model weights');
});
