/**
 * What the text model is: shared by the training pipeline that writes it and the classifier that runs
 * it, so the two cannot drift apart.
 */

export const TEXT_MODEL_NAME = 'feedguard-text'
export const TEXT_MODEL_VERSION = '1.0.0'
/** Path of the model file relative to `models/`. */
export const TEXT_MODEL_FILE = 'text/feedguard-text.onnx'

/** `[batch, width]` int32: hashed feature indexes, padded with 0. */
export const INDICES_INPUT = 'indices'
/** `[batch, width]` float32: feature weights, 0 for padding. */
export const WEIGHTS_INPUT = 'weights'
/** `[batch, heads]` float32: calibrated probabilities, one column per head in TEXT_HEADS order. */
export const SCORES_OUTPUT = 'scores'
/**
 * `[batch, width, heads]` float32, optional: each feature's term of the logit (its embedding row × its weight),
 * before the sum. Fetched only to explain a score (src/text/spans.ts); a model without it scores all the same.
 */
export const CONTRIBUTIONS_OUTPUT = 'contributions'
