import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'
import { Problem } from './problem.js'

interface QueueItem {
  itemId: string
  status: string
  category?: string
  since?: string
  reports: { reporters: number; weighted: number; byCategory: Record<string, number> }
}

export function ReviewPage() {
  const [queue, setQueue] = useState<{ total: number; items: QueueItem[] } | undefined>()
  const [error, setError] = useState<unknown>()
  const [done, setDone] = useState<string>('')
  const load = () => api<{ total: number; items: QueueItem[] }>('GET', '/v1/items?status=under_review&limit=100').then(setQueue, setError)
  useEffect(() => void load(), [])

  const verdict = async (item: QueueItem, violating: boolean) => {
    setError(undefined)
    try {
      const outcome = await api<{ status: string }>('POST', `/v1/items/${encodeURIComponent(item.itemId)}/verdict`, item.category ? { violating, category: item.category } : { violating })
      setDone(`${item.itemId}: ${outcome.status}`)
      await load()
    } catch (err) {
      setError(err)
    }
  }

  return (
    <>
      <h2>Review queue</h2>
      <p role="status">{done && `Recorded — ${done}.`}</p>
      {error !== undefined && <Problem error={error} />}
      {queue && (
        <section class="card" aria-labelledby="queue-title">
          <h3 id="queue-title">{queue.total} under review, longest waiting first</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Since</th>
                <th scope="col">Reporters</th>
                <th scope="col">Reporters' weight</th>
                <th scope="col">Reports by category (weighted)</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody>
              {queue.items.map((item) => (
                <tr key={item.itemId} data-item={item.itemId}>
                  <td>{item.itemId}</td>
                  <td>{item.since?.replace('T', ' ').slice(0, 16)}</td>
                  <td>{item.reports.reporters}</td>
                  <td>{item.reports.weighted}</td>
                  <td>
                    {Object.entries(item.reports.byCategory)
                      .map(([category, weight]) => `${category} ${weight}`)
                      .join(', ') || '—'}
                  </td>
                  <td class="row" style="gap:0.4rem">
                    <button class="danger" type="button" onClick={() => verdict(item, true)} aria-label={`Violating: remove ${item.itemId}`}>
                      Violating
                    </button>
                    <button class="secondary" type="button" onClick={() => verdict(item, false)} aria-label={`Not violating: clear ${item.itemId}`}>
                      Not violating
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {queue.items.length === 0 && <p>Nothing waits for review.</p>}
        </section>
      )}
    </>
  )
}
