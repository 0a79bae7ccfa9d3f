/**
 * `GET /metrics` with WORKERS > 1: whichever worker a scrape reaches answers every worker's figures, so that
 * one Prometheus target stays one series however connections are spread. The worker asks the primary, which
 * gathers each worker's registry and combines them with prom-client's AggregatorRegistry (counters and
 * histograms summed; a gauge as its `aggregator` says, a sum by default).
 */
import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'

const SCRAPE_REQUEST = 'feedguard:metrics-request'
const SCRAPE_ANSWER = 'feedguard:metrics-answer'

interface ScrapeRequest {
  type: typeof SCRAPE_REQUEST
  id: number
}

interface ScrapeAnswer {
  type: typeof SCRAPE_ANSWER
  id: number
  body?: string
  error?: string
}

/** In the primary: answers the workers' scrape requests with every worker's figures. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry()
  cluster.on('message', (worker: Worker, message: Partial<ScrapeRequest>) => {
    if (message?.type !== SCRAPE_REQUEST) return
    const answer = (fields: Omit<ScrapeAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: SCRAPE_ANSWER, id: message.id!, ...fields } satisfies ScrapeAnswer)
    }
    aggregator.clusterMetrics().then(
      (body) => answer({ body }),
      (err: Error) => answer({ error: err.message })
    )
  })
}

/** In a worker: the scrapes of a registry, through the primary. */
export class WorkerMetrics {
  #nextId = 0
  readonly #waiting = new Map<number, { resolve: (body: string) => void; reject: (err: Error) => void }>()

  constructor(registry: Registry) {
    // the primary's AggregatorRegistry asks each worker for this registry (one app per worker process)
    AggregatorRegistry.setRegistries([registry])
    new AggregatorRegistry()
    process.on('message', (message: Partial<ScrapeAnswer>) => {
      if (message?.type !== SCRAPE_ANSWER) return
      // the primary answers each request once, to the worker that sent it
      const waiting = this.#waiting.get(message.id!)!
      this.#waiting.delete(message.id!)
      if (message.body !== undefined) waiting.resolve(message.body)
      else waiting.reject(new Error(`the workers' metrics could not be gathered: ${message.error}`))
    })
  }

  /** Every worker's figures in Prometheus' text format; rejects when a worker did not answer the primary in time (5 s). */
  scrape(): Promise<string> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      process.send!({ type: SCRAPE_REQUEST, id } satisfies ScrapeRequest)
    })
  }
}
