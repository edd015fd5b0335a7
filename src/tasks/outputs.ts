// What a dense model or expert predicts for one image, per task: the data the label stage encodes
// into shard fields and quality grading compares with the truth.

/** Hard segmentation labels at the image's size: class id per pixel, 255 = ignore (low confidence). */
export interface SegLabels { width: number; height: number; labels: Uint8Array }
/** Metric depth at the image's size (metres, 0 = invalid / low confidence). */
export interface DepthMap { width: number; height: number; depth: Float32Array }
/** Unit surface normals HWC at the image's size (camera frame, as `normal.png`: n = rgb / 127.5 - 1); all 0 = none. */
export interface NormalMap { width: number; height: number; normals: Float32Array }
/** Boxes in image pixels [x0, y0, x1, y1], with class ids (and names when the expert has them) and scores. */
export interface Detections { boxes: [number, number, number, number][]; labels: number[]; scores: number[]; names?: string[] }

/** One image's prediction; the field of the expert's task is set. */
export interface ExpertOutput {
  seg?: SegLabels;
  depth?: DepthMap;
  normals?: NormalMap;
  det?: Detections;
}
