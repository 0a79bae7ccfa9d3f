/**
 * The reference baseline the text model is judged against: scikit-learn's
 * `TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), sublinear_tf=True)` followed by
 * `LogisticRegression(C=4, class_weight='balanced')` (lbfgs, 100 iterations), one binary "abusive"
 * score, written out here so it is fitted in the same run, on the same training texts, as the model.
 *
 * Definitions kept from scikit-learn: text lower-cased, whitespace runs collapsed, each word padded with
 * one space on each side and cut into character n-grams without crossing the word's edges (a word shorter
 * than n yields itself once); tf = 1 + ln(count); idf = ln((1 + n) / (1 + df)) + 1 over the training
 * texts; rows L2-normalised; n-grams never seen in training are ignored. The loss is
 * C · Σ sᵢ · log-loss + ½‖w‖² with the intercept unpenalised and sᵢ = n / (2 · nᵧ) (balanced classes).
 */

export const BASELINE_NGRAMS = { min: 2, max: 5 } as const
export const BASELINE_C = 4
export const BASELINE_MAX_ITERATIONS = 100

/** scikit-learn's `char_wb` n-grams of a text, in its order (words left to right, shorter n first). */
export function charWbNgrams(text: string, min: number = BASELINE_NGRAMS.min, max: number = BASELINE_NGRAMS.max): string[] {
  const out: string[] = []
  for (const word of text.toLowerCase().split(/\s+/)) {
    if (word === '') continue
    const w = ` ${word} `
    for (let n = min; n <= max; n++) {
      let offset = 0
      out.push(w.slice(offset, offset + n))
      while (offset + n < w.length) {
        offset++
        out.push(w.slice(offset, offset + n))
      }
      if (offset === 0) break
    }
  }
  return out
}

/** Texts as sparse n-gram counts over one vocabulary shared by every fit, so folds reuse one pass of n-gram extraction. */
export class NgramCounts {
  private readonly vocabulary = new Map<string, number>()
  readonly rows: Array<{ ids: Int32Array; counts: Float32Array }> = []

  get size(): number {
    return this.vocabulary.size
  }

  /** Adds a text; returns its row number. */
  add(text: string): number {
    const counts = new Map<number, number>()
    for (const gram of charWbNgrams(text)) {
      let id = this.vocabulary.get(gram)
      if (id === undefined) {
        id = this.vocabulary.size
        this.vocabulary.set(gram, id)
      }
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    const ids = Int32Array.from(counts.keys()).sort()
    this.rows.push({ ids, counts: Float32Array.from(ids, (id) => counts.get(id) as number) })
    return this.rows.length - 1
  }
}

export interface BaselineModel {
  /** Per vocabulary id: idf (0 = not in the training vocabulary). */
  idf: Float64Array
  /** Per vocabulary id: its index in `weights`, -1 when not in the training vocabulary. */
  index: Int32Array
  weights: Float64Array
  intercept: number
  /** Iterations lbfgs ran. */
  iterations: number
}

/** The TF-IDF row of a text: weight indexes and L2-normalised values, n-grams outside the training vocabulary dropped. */
function tfidfRow(row: { ids: Int32Array; counts: Float32Array }, idf: Float64Array, index: Int32Array) {
  const ids: number[] = []
  const values: number[] = []
  let norm = 0
  for (let i = 0; i < row.ids.length; i++) {
    const id = row.ids[i] as number
    // ids past the end were added to the vocabulary after fitting
    const w = idf[id] ?? 0
    if (w === 0) continue
    const v = (1 + Math.log(row.counts[i] as number)) * w
    ids.push(index[id] as number)
    values.push(v)
    norm += v * v
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
  return { ids: Int32Array.from(ids), values: Float64Array.from(values, (v) => v * scale) }
}

/**
 * Fits the baseline on rows of `counts` with 0/1 labels. Minimises with L-BFGS (10 corrections,
 * backtracking line search), stopping after BASELINE_MAX_ITERATIONS iterations or when the largest
 * gradient component falls below 1e-4, as scikit-learn's defaults do.
 */
export function fitBaseline(counts: NgramCounts, rows: readonly number[], labels: ArrayLike<number>, C: number = BASELINE_C): BaselineModel {
  const idf = new Float64Array(counts.size)
  for (const r of rows) for (const id of (counts.rows[r] as { ids: Int32Array }).ids) idf[id] = (idf[id] as number) + 1
  const n = rows.length
  const index = new Int32Array(counts.size).fill(-1)
  let vocabulary = 0
  for (let id = 0; id < idf.length; id++) {
    if ((idf[id] as number) === 0) continue
    idf[id] = Math.log((1 + n) / (1 + (idf[id] as number))) + 1
    index[id] = vocabulary++
  }
  const x = rows.map((r) => tfidfRow(counts.rows[r] as { ids: Int32Array; counts: Float32Array }, idf, index))
  let positives = 0
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0
  if (positives === 0 || positives === n) throw new RangeError('the baseline needs both classes in its training texts')
  const sampleWeight = [n / (2 * (n - positives)), n / (2 * positives)]
  const dim = vocabulary + 1 // last = intercept

  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0)
    let loss = 0
    for (let i = 0; i < n; i++) {
      const { ids, values } = x[i] as { ids: Int32Array; values: Float64Array }
      let z = w[dim - 1] as number
      for (let j = 0; j < ids.length; j++) z += (w[ids[j] as number] as number) * (values[j] as number)
      const y = labels[i] as number
      const s = (sampleWeight[y] as number) * C
      // log(1 + e^-yz) for y in {0, 1} as ±1
      const m = y === 1 ? z : -z
      loss += s * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)))
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
      const d = s * (p - y)
      for (let j = 0; j < ids.length; j++) grad[ids[j] as number] = (grad[ids[j] as number] as number) + d * (values[j] as number)
      grad[dim - 1] = (grad[dim - 1] as number) + d
    }
    for (let k = 0; k < dim - 1; k++) {
      loss += 0.5 * (w[k] as number) ** 2
      grad[k] = (grad[k] as number) + (w[k] as number)
    }
    return loss
  }
  const { w, iterations } = lbfgs(objective, dim, BASELINE_MAX_ITERATIONS)
  return { idf, index, weights: w.subarray(0, dim - 1), intercept: w[dim - 1] as number, iterations }
}

/** Baseline scores (decision function values; monotone in the probability) of rows of `counts`. */
export function baselineScores(model: BaselineModel, counts: NgramCounts, rows: readonly number[]): Float64Array {
  return Float64Array.from(rows, (r) => {
    const { ids, values } = tfidfRow(counts.rows[r] as { ids: Int32Array; counts: Float32Array }, model.idf, model.index)
    let z = model.intercept
    for (let j = 0; j < ids.length; j++) z += (model.weights[ids[j] as number] as number) * (values[j] as number)
    return z
  })
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}

/** Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with an Armijo backtracking line search. */
export function lbfgs(
  objective: (w: Float64Array, grad: Float64Array) => number,
  dim: number,
  maxIterations: number,
  memory = 10,
  tolerance = 1e-4
): { w: Float64Array; iterations: number } {
  let w = new Float64Array(dim)
  let g = new Float64Array(dim)
  let f = objective(w, g)
  const s: Float64Array[] = []
  const y: Float64Array[] = []
  const rho: number[] = []
  const direction = new Float64Array(dim)
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    let gmax = 0
    for (let i = 0; i < dim; i++) gmax = Math.max(gmax, Math.abs(g[i] as number))
    if (gmax < tolerance) break
    // two-loop recursion: direction = -H·g
    direction.set(g)
    const alpha: number[] = []
    for (let k = s.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(s[k] as Float64Array, direction)
      alpha[k] = a
      const yk = y[k] as Float64Array
      for (let i = 0; i < dim; i++) direction[i] = (direction[i] as number) - a * (yk[i] as number)
    }
    const gamma = s.length > 0 ? dot(s[s.length - 1] as Float64Array, y[y.length - 1] as Float64Array) / dot(y[y.length - 1] as Float64Array, y[y.length - 1] as Float64Array) : 1 / Math.max(1, Math.sqrt(dot(g, g)))
    for (let i = 0; i < dim; i++) direction[i] = (direction[i] as number) * gamma
    for (let k = 0; k < s.length; k++) {
      const b = (rho[k] as number) * dot(y[k] as Float64Array, direction)
      const sk = s[k] as Float64Array
      for (let i = 0; i < dim; i++) direction[i] = (direction[i] as number) + (sk[i] as number) * ((alpha[k] as number) - b)
    }
    for (let i = 0; i < dim; i++) direction[i] = -(direction[i] as number)
    const slope = dot(g, direction)
    let step = 1
    const next = new Float64Array(dim)
    const nextGrad = new Float64Array(dim)
    let nextF = Infinity
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < dim; i++) next[i] = (w[i] as number) + step * (direction[i] as number)
      nextF = objective(next, nextGrad)
      if (nextF <= f + 1e-4 * step * slope) break
      step /= 2
    }
    if (!(nextF < f)) break
    const sk = new Float64Array(dim)
    const yk = new Float64Array(dim)
    for (let i = 0; i < dim; i++) {
      sk[i] = (next[i] as number) - (w[i] as number)
      yk[i] = (nextGrad[i] as number) - (g[i] as number)
    }
    const sy = dot(sk, yk)
    if (sy > 1e-12) {
      s.push(sk)
      y.push(yk)
      rho.push(1 / sy)
      if (s.length > memory) {
        s.shift()
        y.shift()
        rho.shift()
      }
    }
    w = next
    g = nextGrad
    f = nextF
  }
  return { w, iterations }
}
