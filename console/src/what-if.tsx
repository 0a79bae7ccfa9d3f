import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'
import { Problem } from './problem.js'

type Thresholds = { blurAt?: number; hideAt?: number }
interface PolicyDoc {
  version: string
  categories: Record<string, Record<string, Thresholds | string[]>>
  [key: string]: unknown
}
interface Simulation {
  sampled: number
  decisions: { before: Record<string, number>; after: Record<string, number> }
  moved: { total: number; byCategory: Record<string, number>; bySurface: Record<string, number>; byAgeBand: Record<string, number>; transitions: Record<string, number> }
  examples: Array<{ itemId: string; surface: string; sensitivity: string; ageBand: string; before: string; after: string; categories: string[]; scores: Record<string, number> }>
}

const LEVELS = ['strict', 'standard', 'relaxed']

function Tally(props: { title: string; tally: Record<string, number> }) {
  const entries = Object.entries(props.tally)
  return (
    <div>
      <h3>{props.title}</h3>
      {entries.length === 0 ? (
        <p>—</p>
      ) : (
        <ul>
          {entries.map(([key, n]) => (
            <li key={key}>
              {key}: {n}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

export function WhatIfPage() {
  const [live, setLive] = useState<PolicyDoc | undefined>()
  const [candidate, setCandidate] = useState<PolicyDoc | undefined>()
  const [result, setResult] = useState<Simulation | undefined>()
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    api<PolicyDoc>('GET', '/v1/policy').then((doc) => {
      setLive(doc)
      setCandidate(structuredClone(doc))
    }, setError)
  }, [])

  const edit = (category: string, level: string, which: keyof Thresholds, raw: string) => {
    const next = structuredClone(candidate!)
    const entry = next.categories[category]![level] as Thresholds
    if (raw === '') delete entry[which]
    else entry[which] = Number(raw)
    setCandidate(next)
  }
  const run = async () => {
    setError(undefined)
    try {
      setResult(await api<Simulation>('POST', '/v1/policy/simulate', { policy: { ...candidate!, version: `${live!.version}+what-if` } }))
    } catch (err) {
      setError(err)
    }
  }

  if (!candidate || !live) return error === undefined ? <p aria-busy="true">Loading the live policy…</p> : <Problem error={error} />
  const value = (doc: PolicyDoc, category: string, level: string, which: keyof Thresholds) => (doc.categories[category]?.[level] as Thresholds | undefined)?.[which]
  return (
    <>
      <h2>Policy what-if</h2>
      <p>
        Live policy <strong>{live.version}</strong>. Change thresholds, then decide the sample of recently scored items again under them.
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="thresholds-title">
          <h3 id="thresholds-title">Category thresholds</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Category</th>
                {LEVELS.map((level) => (
                  <th scope="col" key={level}>
                    {level} (blur / hide)
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.keys(candidate.categories).map((category) => (
                <tr key={category}>
                  <th scope="row">{category}</th>
                  {LEVELS.map((level) => (
                    <td key={level}>
                      {(['blurAt', 'hideAt'] as const).map((which) => {
                        const changed = value(candidate, category, level, which) !== value(live, category, level, which)
                        return (
                          <input
                            key={which}
                            type="number"
                            min={0}
                            max={1}
                            step={0.01}
                            style={{ width: '4.5rem', marginRight: '0.2rem', ...(changed && { borderColor: '#a4161a', borderWidth: '2px' }) }}
                            aria-label={`${category} ${level} ${which === 'blurAt' ? 'blur at' : 'hide at'}`}
                            value={value(candidate, category, level, which) ?? ''}
                            onChange={(e) => edit(category, level, which, e.currentTarget.value)}
                          />
                        )
                      })}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="row">
            <button class="primary" type="button" onClick={run}>
              Run what-if
            </button>
            <button class="secondary" type="button" onClick={() => setCandidate(structuredClone(live))}>
              Reset to live
            </button>
          </p>
          {error !== undefined && <Problem error={error} />}
        </section>
        {result && (
          <section class="card" aria-labelledby="result-title" aria-live="polite" data-testid="simulation">
            <h3 id="result-title">
              {result.sampled} sampled items · <span class="moved">{result.moved.total} decisions move</span>
            </h3>
            <table>
              <caption class="sr-only">Decisions before and after</caption>
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col">Live policy</th>
                  <th scope="col">Candidate</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {['allow', 'blur', 'hide'].map((action) => {
                  const before = result.decisions.before[action] ?? 0
                  const after = result.decisions.after[action] ?? 0
                  return (
                    <tr key={action}>
                      <th scope="row">{action}</th>
                      <td>{before}</td>
                      <td>{after}</td>
                      <td>{after - before > 0 ? `+${after - before}` : after - before}</td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
            <div class="row" style="align-items:flex-start">
              <Tally title="Transitions" tally={result.moved.transitions} />
              <Tally title="By category" tally={result.moved.byCategory} />
              <Tally title="By surface" tally={result.moved.bySurface} />
              <Tally title="By age band" tally={result.moved.byAgeBand} />
            </div>
            <h3>Examples</h3>
            <table>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Surface · sensitivity · age</th>
                  <th scope="col">Before → after</th>
                  <th scope="col">Scores</th>
                </tr>
              </thead>
              <tbody>
                {result.examples.map((e) => (
                  <tr key={e.itemId}>
                    <td>{e.itemId}</td>
                    <td>
                      {e.surface} · {e.sensitivity} · {e.ageBand}
                    </td>
                    <td>
                      {e.before} → {e.after}
                    </td>
                    <td>
                      {Object.entries(e.scores)
                        .map(([c, s]) => `${c} ${s.toFixed(2)}`)
                        .join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </div>
    </>
  )
}
