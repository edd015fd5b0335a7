// The layering of src/, checked by dependency-cruiser in `npm test` (and so in CI): a folder may
// import only from folders in earlier layers or its own. Lowest first:
//   engine -> config -> io -> nn -> optim -> tokenizer -> data -> decoding -> losses -> models ->
//   tasks -> training -> dense -> export -> eval -> zoo -> distributed -> stages -> api -> cli -> index.ts
// One folder per layer, so no two folders can import each other (no folder cycles). Within
// stages/, demo may use the other stages and every stage stages/common. Inside a folder, a cycle of
// runtime imports is an error too (a cycle made only of `import type` edges is erased at compile).
const LAYERS = [
  ['engine'], ['config'], ['io'], ['nn'], ['optim'], ['tokenizer'], ['data'], ['decoding'], ['losses'], ['models'], ['tasks'],
  ['training'], ['dense'], ['export'], ['eval'], ['zoo'], ['distributed'], ['stages'], ['api'], ['cli'],
];
const folder = (names) => `^src/(${names.join('|')})/`;

/** For each layer: it may not import any later layer. */
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.join('-')}`,
  comment: `${layer.join(', ')} sits below ${LAYERS.slice(i + 1).flat().join(', ')}: it may not import them`,
  severity: 'error',
  from: { path: folder(layer) },
  // tasks/names.ts (the dense task names, importing nothing) is data every layer may read.
  to: { path: folder(LAYERS.slice(i + 1).flat()), pathNot: '^src/tasks/names\\.ts$' },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle of runtime imports: split the shared part into the lower module',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...upward,
    {
      name: 'stages-only-demo-composes',
      comment: 'a stage uses another stage only from demo/ (the pipeline that runs them all)',
      severity: 'error',
      from: { path: '^src/stages/(?!demo/)([^/]+)/' },
      to: { path: '^src/stages/([^/]+)/', pathNot: ['^src/stages/$1/', '^src/stages/common/'] },
    },
    {
      name: 'library-not-index',
      comment: 'src/index.ts is the package surface: nothing inside the library imports it',
      severity: 'error',
      from: { path: '^src/' , pathNot: '^src/index\\.ts$' },
      to: { path: '^src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|build|node_modules)/' },
  },
};
