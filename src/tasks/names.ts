// The names of the dense tasks, in the order everything lists them (heads register their keys in
// it, reports show it). A leaf module, so the model's head container can import it without a cycle
// through the task table (which builds those heads); the table is checked to cover exactly these.

/** Every dense task, in registration and report order. */
export const DENSE_TASK_NAMES = ['seg', 'depth', 'normals', 'det'] as const;

/** A dense task: segmentation, depth, surface normals or detection. */
export type DenseTaskName = (typeof DENSE_TASK_NAMES)[number];

/**
 * Checks a task name from a command line or a file; the error names `who` and the known tasks.
 * @example parseTaskName('normals') // 'normals'
 */
export function parseTaskName(name: string, who = 'dense'): DenseTaskName {
  if (!isTaskName(name)) throw new Error(`${who}: unknown task '${name}' (known: ${DENSE_TASK_NAMES.join(', ')})`);
  return name;
}

/**
 * True when `name` is a dense task.
 * @example ['seg', 'sky'].filter(isTaskName) // ['seg']
 */
export function isTaskName(name: string): name is DenseTaskName {
  return (DENSE_TASK_NAMES as readonly string[]).includes(name);
}
