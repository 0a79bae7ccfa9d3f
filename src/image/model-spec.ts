/**
 * What the image model is: shared by the conversion script, the preprocessing and the classifier so
 * that the three cannot drift apart.
 */

/** NSFWJS's output classes, in the order of the model's output vector. */
export const NSFW_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const
export type NsfwClass = (typeof NSFW_CLASSES)[number]

/** Class probabilities of one image, keyed by class name (they sum to 1). */
export type ClassProbabilities = Record<NsfwClass, number>

/** Side of the square RGB input the model was trained on. */
export const IMAGE_SIZE = 224
export const CHANNELS = 3
/** Floats in one preprocessed image: planar RGB (CHW), 3 × 224 × 224. */
export const PIXELS_PER_IMAGE = CHANNELS * IMAGE_SIZE * IMAGE_SIZE

/**
 * Identifies the preprocessing the model expects (recorded in the manifest as `featuriser`): RGB as
 * displayed (EXIF orientation applied), scaled to 0..1, bilinear resize to 224×224 with aligned corners,
 * planar CHW float32. Change it whenever `decode.ts` or `model-input.ts` change what the model sees.
 */
export const PREPROCESSING_ID = 'nsfwjs-rgb-unit-bilinear-aligned-224-chw@1'

export const IMAGE_MODEL_NAME = 'nsfwjs-mobilenetv2'
export const IMAGE_MODEL_VERSION = '1.0.0'
/** Path of the model file relative to `models/`. */
export const IMAGE_MODEL_FILE = 'image/nsfwjs-mobilenetv2.onnx'

export const MODEL_INPUT_NAME = 'input'
export const MODEL_OUTPUT_NAME = 'probabilities'
