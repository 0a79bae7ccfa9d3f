/** Ranking and threshold metrics over scores and binary labels. */

/** ROC-AUC (probability a random positive outscores a random negative; ties count half). NaN without both classes. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  let positives = 0
  let rankSum = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++
        rankSum += rank
      }
    }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** Average precision (area under the precision-recall curve, step-wise). */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number))
  let positives = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++
  if (positives === 0) return Number.NaN
  let hits = 0
  let sum = 0
  order.forEach((index, rank) => {
    if (labels[index] === 1) {
      hits++
      sum += hits / (rank + 1)
    }
  })
  return sum / positives
}

/** Precision, recall and F1 of `score >= threshold`. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number) {
  let tp = 0
  let fp = 0
  let fn = 0
  for (let i = 0; i < scores.length; i++) {
    const predicted = (scores[i] as number) >= threshold
    const positive = labels[i] === 1
    if (predicted && positive) tp++
    else if (predicted) fp++
    else if (positive) fn++
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : Number.NaN
  const recall = tp + fn > 0 ? tp / (tp + fn) : Number.NaN
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  return { tp, fp, fn, precision, recall, f1 }
}

/** Mean binary log-loss; probabilities are clipped away from 0 and 1. */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probabilities[i] as number))
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p)
  }
  return sum / probabilities.length
}
