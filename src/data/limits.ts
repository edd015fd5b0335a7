// The data-trust limits, as plain numbers (no addon import): the CLI's option defaults read them.

/**
 * The pixel budget: the most pixels (width * height) an image may declare before decoding refuses
 * it, checked from the header before any memory is allocated. Pillow's decompression-bomb limit
 * (MAX_IMAGE_PIXELS); the same constant as kDefaultMaxPixels in native/image_codec.h.
 */
export const DEFAULT_MAX_PIXELS = 89_478_485;

/** The share of samples a stage may skip (corrupt, oversized, unreadable) before it fails. */
export const DEFAULT_MAX_SKIP_RATE = 0.05;
