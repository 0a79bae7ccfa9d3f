import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, downloadCsv } from './api.js'
import { ChartCard, color, type Series } from './chart.js'
import { Problem } from './problem.js'

interface Insights {
  window: string
  reports: {
    items: Array<{ itemId: string; reports: number }>
    creators: Array<{ authorId: string; reports: number }>
    hashtags: Array<{ hashtag: string; reports: number }>
    categories: Array<{ category: string; reports: number }>
  }
  feedbackByHour: Array<{ hour: string; not_interested: number }>
  mutedKeywords: Array<{ term: string; users: number }>
  minUsers: number
  decisionsByHour: Array<{ hour: string; allow: number; blur: Record<string, number>; hide: Record<string, number> }>
}

const WINDOWS = ['1h', '24h', '7d', '30d']
const hourLabel = (iso: string) => `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`

export function InsightsPage(props: { canModerate: boolean }) {
  const [window, setWindow] = useState('24h')
  const [data, setData] = useState<Insights | undefined>()
  const [states, setStates] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    setError(undefined)
    api<Insights>('GET', `/v1/insights?window=${window}&limit=10`).then(setData, setError)
  }, [window])
  useEffect(() => {
    if (!data || !props.canModerate) return
    // the review state of each top item (scope moderate)
    Promise.all(data.reports.items.map((item) => api<{ status: string }>('GET', `/v1/items/${encodeURIComponent(item.itemId)}`).then((s) => [item.itemId, s.status] as const))).then(
      (pairs) => setStates(Object.fromEntries(pairs)),
      () => setStates({})
    )
  }, [data, props.canModerate])

  const decisions = useMemo(() => {
    if (!data) return { labels: [], series: [] as Series[] }
    const keys = new Set<string>()
    for (const hour of data.decisionsByHour) {
      for (const reason of Object.keys(hour.blur)) keys.add(`blur · ${reason}`)
      for (const reason of Object.keys(hour.hide)) keys.add(`hide · ${reason}`)
    }
    const series: Series[] = [{ label: 'allow', values: data.decisionsByHour.map((h) => h.allow), color: '#2f7d32' }]
    ;[...keys].sort().forEach((key, i) => {
      const [action, reason] = key.split(' · ') as ['blur' | 'hide', string]
      series.push({ label: key, values: data.decisionsByHour.map((h) => h[action][reason] ?? 0), color: color(i + 1) })
    })
    return { labels: data.decisionsByHour.map((h) => hourLabel(h.hour)), series }
  }, [data])

  return (
    <>
      <div class="row" style="justify-content:space-between">
        <h2>Insights</h2>
        <div>
          <label for="window">Window</label>
          <select id="window" value={window} onChange={(e) => setWindow(e.currentTarget.value)}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error !== undefined && <Problem error={error} />}
      {data && (
        <div class="grid">
          <ChartCard
            id="not-interested-by-hour"
            title="Not interested, by hour"
            kind="line"
            labels={data.feedbackByHour.map((h) => hourLabel(h.hour))}
            series={[{ label: 'not interested', values: data.feedbackByHour.map((h) => h.not_interested), color: color(0) }]}
          />
          <ChartCard
            id="reports-by-category"
            title="Reports by category"
            kind="bar"
            labels={data.reports.categories.map((c) => c.category)}
            series={[{ label: 'reports', values: data.reports.categories.map((c) => c.reports), color: color(2) }]}
          />
          <ChartCard id="decisions-by-hour" title="Decisions by action and reason, by hour" kind="stacked" labels={decisions.labels} series={decisions.series} />
          <ChartCard
            id="hashtags-pushed-back"
            title="Hashtags pushed back on"
            kind="bar"
            horizontal
            labels={data.reports.hashtags.map((h) => `#${h.hashtag}`)}
            series={[{ label: 'reports', values: data.reports.hashtags.map((h) => h.reports), color: color(1) }]}
          />
          <ChartCard
            id="muted-keywords"
            title={`Most-muted keywords (each by at least ${data.minUsers} users)`}
            kind="bar"
            horizontal
            labels={data.mutedKeywords.map((k) => k.term)}
            series={[{ label: 'users', values: data.mutedKeywords.map((k) => k.users), color: color(4) }]}
          />
          <section class="card" aria-labelledby="top-reported-title" data-chart="top-reported">
            <header class="card-head">
              <h3 id="top-reported-title">Top reported items and creators</h3>
              <button
                class="secondary"
                type="button"
                aria-label="Download top reported items and creators as CSV"
                onClick={() =>
                  downloadCsv('top-reported', [
                    ['kind', 'id', 'reports', 'review state'],
                    ...data.reports.items.map((i) => ['item', i.itemId, i.reports, states[i.itemId] ?? '']),
                    ...data.reports.creators.map((c) => ['creator', c.authorId, c.reports, ''])
                  ])
                }
              >
                CSV
              </button>
            </header>
            <table>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Reports</th>
                  <th scope="col">Review state</th>
                </tr>
              </thead>
              <tbody>
                {data.reports.items.map((item) => (
                  <tr key={item.itemId}>
                    <td>{item.itemId}</td>
                    <td>{item.reports}</td>
                    <td>{props.canModerate ? (states[item.itemId] ?? '…') : <span class="unavailable">unavailable</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table style="margin-top:0.75rem">
              <thead>
                <tr>
                  <th scope="col">Creator</th>
                  <th scope="col">Reports on their items</th>
                </tr>
              </thead>
              <tbody>
                {data.reports.creators.map((creator) => (
                  <tr key={creator.authorId}>
                    <td>{creator.authorId}</td>
                    <td>{creator.reports}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
    </>
  )
}
