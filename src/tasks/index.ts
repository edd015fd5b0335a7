// The dense tasks: their names, the table of what each task is, its labels, label-field encoders
// the classes of a labelled folder, and image-level labels from scene descriptions.
export { DENSE_TASK_NAMES, isTaskName, parseTaskName, type DenseTaskName } from './names.js';
export { DENSE_TASKS, taskDecode, taskLossOf, taskSample, taskScorer, taskTargetScaling, type DenseTaskSpec, type HeadlineMetric, type TaskHead, type TaskHeadOptions, type TaskMetric, type TargetScaling, type WrittenField } from './table.js';
export { labelsOf, type BatchLabels, type DenseLabels } from './labels.js';
export { depthPng, detJson, LABEL_DEPTH_SCALE, mergeJson, normalPng, segPng } from './encode.js';
export { CLASSES_FILE, labelClasses } from './classes.js';
export { SCENE_GROUPS, VOCABULARY_FILE, sceneLabelIndex, sceneMultiHot, sceneOfJson, sceneTargets, sceneVocabulary, type SceneGroup, type SceneVocabulary } from './scene_labels.js';
export { type FieldGrader, type Fields } from './fields.js';
export { type BoxesJson, type DecodeOptions, type DenseSampleJson, type PixelSize, type ScoreOptions, type TaskScorer } from './predict.js';
export { DEPTH_LOG_MARGIN, depthLogRange } from './scaling.js';
