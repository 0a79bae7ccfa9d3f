import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { api } from './api.js'
import { Problem } from './problem.js'

interface Reason {
  type: string
  action: string
  field?: string
  start?: number
  end?: number
  match?: string
  value?: string
  category?: string
  score?: number
  threshold?: number
  basis?: string
  floor?: string
  status?: string
  /** A text model's reason: the words that drove its score. */
  spans?: Array<{ field: string; start: number; end: number }>
}
interface Evaluation {
  decision: { action: string; reasons: Reason[] }
  sensitivity: string
  categories: Array<{ category: string; score: number; source: string; blurAt?: number; hideAt?: number }>
  models: string[]
  imageSkipped?: string
}

const SURFACES = ['for_you', 'following', 'search', 'profile', 'comments', 'live', 'notifications']
const SENSITIVITIES = ['strict', 'standard', 'relaxed']
const AGE_BANDS = ['adult', '16-17', '13-15', 'under13']
const SAMPLE_RULES = JSON.stringify({ keywords: [{ value: 'spoiler', action: 'blur' }], categories: {} }, null, 2)

function describe(reason: Reason): string {
  switch (reason.type) {
    case 'keyword':
    case 'hashtag':
      return `${reason.type} rule "${reason.value}" matched "${reason.match}" in ${reason.field}`
    case 'category':
      return `${reason.category} scored ${reason.score?.toFixed(3)} ≥ ${reason.threshold} (${reason.basis}${reason.floor ? ` ${reason.floor}` : ''})`
    default:
      return `${reason.type}${reason.status ? ` ${reason.status}` : ''}${reason.value ? ` ${reason.value}` : ''}`
  }
}

/** The words behind the model's scores in the caption, in order, each with the categories it drove. */
function modelMarks(reasons: Reason[]): Array<{ start: number; end: number; categories: string[] }> {
  const byRange = new Map<string, { start: number; end: number; categories: string[] }>()
  for (const reason of reasons) {
    for (const span of reason.spans ?? []) {
      if (span.field !== 'text') continue
      const key = `${span.start}:${span.end}`
      const mark = byRange.get(key) ?? { start: span.start, end: span.end, categories: [] }
      mark.categories.push(reason.category ?? '')
      byRange.set(key, mark)
    }
  }
  return [...byRange.values()].sort((a, b) => a.start - b.start)
}

/** text[from, to) with the model's words in it marked (where two overlap, the first wins). */
function withModelMarks(text: string, from: number, to: number, marks: ReturnType<typeof modelMarks>): Array<JSX.Element | string> {
  const out: Array<JSX.Element | string> = []
  let at = from
  for (const mark of marks) {
    const start = Math.max(mark.start, at)
    const end = Math.min(mark.end, to)
    if (start >= end) continue
    if (start > at) out.push(text.slice(at, start))
    out.push(
      <mark key={`s${start}`} class="model" title={`drove the ${mark.categories.join(' and ')} score`}>
        {text.slice(start, end)}
      </mark>
    )
    at = end
  }
  if (at < to) out.push(text.slice(at, to))
  return out
}

/** The caption with the matched keyword spans and the words behind the model's scores marked. */
function Highlighted(props: { text: string; reasons: Reason[] }) {
  const spans = props.reasons.filter((r) => r.field === 'text' && r.start !== undefined && r.end !== undefined).sort((a, b) => a.start! - b.start!)
  const marks = modelMarks(props.reasons)
  const parts: JSX.Element[] = []
  let at = 0
  for (const span of spans) {
    if (span.start! < at) continue
    parts.push(<span key={`t${at}`}>{withModelMarks(props.text, at, span.start!, marks)}</span>)
    parts.push(
      <mark key={`m${span.start}`} class="keyword" title={`${span.type} rule "${span.value}"`}>
        {withModelMarks(props.text, span.start!, span.end!, marks)}
      </mark>
    )
    at = span.end!
  }
  parts.push(<span key="rest">{withModelMarks(props.text, at, props.text.length, marks)}</span>)
  return (
    <>
      <p class="caption" data-testid="highlighted">
        {parts}
      </p>
      {(spans.length > 0 || marks.length > 0) && (
        <p class="legend">
          <mark class="keyword">keyword match</mark> <mark class="model">words that drove a model score</mark>
        </p>
      )}
    </>
  )
}

function ScoreBar(props: { category: string; score: number; blurAt?: number; hideAt?: number; source: string }) {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`
  return (
    <div style="margin-bottom:0.6rem" data-category={props.category}>
      <div class="row" style="justify-content:space-between">
        <strong>{props.category}</strong>
        <span class="legend">
          {props.score.toFixed(3)} · blur at {props.blurAt ?? '—'} · hide at {props.hideAt ?? '—'} · {props.source}
        </span>
      </div>
      <div class="bar" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={props.score} aria-label={`${props.category} score`}>
        <div class="fill" style={{ width: pct(props.score) }} />
        {props.blurAt !== undefined && <div class="mark blur" style={{ left: pct(props.blurAt) }} title={`blur at ${props.blurAt}`} />}
        {props.hideAt !== undefined && <div class="mark hide" style={{ left: pct(props.hideAt) }} title={`hide at ${props.hideAt}`} />}
      </div>
    </div>
  )
}

export function TryItPage() {
  const [caption, setCaption] = useState('Huge SPOILER about the finale')
  const [image, setImage] = useState<string | undefined>()
  const [surface, setSurface] = useState('for_you')
  const [sensitivity, setSensitivity] = useState('standard')
  const [ageBand, setAgeBand] = useState('adult')
  const [userId, setUserId] = useState('')
  const [rules, setRules] = useState(SAMPLE_RULES)
  const [result, setResult] = useState<{ text: string; evaluation: Evaluation } | undefined>()
  const [error, setError] = useState<unknown>()

  const run = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      const body: Record<string, unknown> = { item: { text: caption, ...(image && { image: { data: image } }) }, surface, sensitivity, ageBand }
      if (userId.trim()) body.userId = userId.trim()
      else body.rules = JSON.parse(rules)
      setResult({ text: caption, evaluation: await api<Evaluation>('POST', '/v1/policy/evaluate', body) })
    } catch (err) {
      setError(err)
    }
  }
  const pick = (file: File | undefined) => {
    if (!file) return setImage(undefined)
    const reader = new FileReader()
    reader.onload = () => setImage(String(reader.result).split(',')[1])
    reader.readAsDataURL(file)
  }
  const select = (id: string, label: string, value: string, set: (v: string) => void, options: string[]) => (
    <div>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  )

  return (
    <>
      <h2>Try it</h2>
      <div class="grid">
        <form class="card" onSubmit={run} aria-label="Item to try">
          <label for="caption">Caption</label>
          <textarea id="caption" rows={3} value={caption} onInput={(e) => setCaption(e.currentTarget.value)} />
          <label for="thumbnail">Thumbnail (optional)</label>
          <input id="thumbnail" type="file" accept="image/*" onChange={(e) => pick(e.currentTarget.files?.[0])} />
          <div class="row">
            {select('surface', 'Surface', surface, setSurface, SURFACES)}
            {select('sensitivity', 'Sensitivity', sensitivity, setSensitivity, SENSITIVITIES)}
            {select('age-band', 'Age band', ageBand, setAgeBand, AGE_BANDS)}
          </div>
          <label for="user-id">A user's stored rules (user id; leave empty to use the document below)</label>
          <input id="user-id" value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
          <label for="rules">Throwaway rules document (JSON, never stored)</label>
          <textarea id="rules" rows={8} spellcheck={false} value={rules} onInput={(e) => setRules(e.currentTarget.value)} style="font-family:monospace" />
          <p>
            <button class="primary" type="submit">
              Decide
            </button>
          </p>
        </form>
        <section class="card" aria-labelledby="decision-title" aria-live="polite">
          <h3 id="decision-title">Decision</h3>
          {error !== undefined && <Problem error={error} />}
          {result && (
            <>
              <p>
                <span class={`action ${result.evaluation.decision.action}`} data-testid="action">
                  {result.evaluation.decision.action}
                </span>{' '}
                <span class="legend">thresholds at {result.evaluation.sensitivity}; models: {result.evaluation.models.join(', ') || 'none'}</span>
              </p>
              <Highlighted text={result.text} reasons={result.evaluation.decision.reasons} />
              <h3>Reasons, most severe first</h3>
              <ol data-testid="reasons">
                {result.evaluation.decision.reasons.map((reason, i) => (
                  <li key={i}>
                    <strong>{reason.action}</strong>: {describe(reason)}
                  </li>
                ))}
              </ol>
              {result.evaluation.decision.reasons.length === 0 && <p>No reason: allowed.</p>}
              {result.evaluation.imageSkipped && <p class="legend">Image not scored: {result.evaluation.imageSkipped}</p>}
              <h3>Category scores against their thresholds</h3>
              {result.evaluation.categories.map((c) => (
                <ScoreBar key={c.category} {...c} />
              ))}
              {result.evaluation.categories.length === 0 && <p>No category scored.</p>}
            </>
          )}
        </section>
      </div>
    </>
  )
}
