// Colour palettes for the ground and the sky, kept muted so the named object colours stand out.
type RGB = [number, number, number];

/** Pairs of ground colours (the checker's squares, or the noise's two ends). */
export const GROUND_PALETTES: readonly (readonly [RGB, RGB])[] = [
  [[0.55, 0.55, 0.55], [0.38, 0.38, 0.4]],
  [[0.62, 0.56, 0.45], [0.45, 0.38, 0.3]],
  [[0.42, 0.47, 0.38], [0.3, 0.35, 0.28]],
  [[0.5, 0.52, 0.58], [0.34, 0.36, 0.42]],
  [[0.7, 0.66, 0.6], [0.52, 0.5, 0.47]],
  [[0.45, 0.36, 0.32], [0.32, 0.26, 0.24]],
];

/** Horizon and zenith colours of the sky. */
export const SKY_PALETTES: readonly (readonly [RGB, RGB])[] = [
  [[0.78, 0.85, 0.92], [0.35, 0.55, 0.85]],
  [[0.8, 0.8, 0.8], [0.58, 0.6, 0.64]],
  [[0.93, 0.75, 0.62], [0.45, 0.42, 0.65]],
  [[0.75, 0.88, 0.86], [0.3, 0.5, 0.6]],
  [[0.88, 0.86, 0.78], [0.55, 0.65, 0.78]],
];
