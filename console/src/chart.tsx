import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js'
import { useEffect, useRef } from 'preact/hooks'
import { downloadCsv } from './api.js'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend)

export interface Series {
  label: string
  values: number[]
  color: string
}

const PALETTE = ['#0b5cad', '#b06f00', '#a4161a', '#ef6c00', '#6a3d9a', '#00838f', '#5b6673', '#c2185b', '#795548', '#37474f']
export const color = (index: number) => PALETTE[index % PALETTE.length]!

/**
 * One chart card: Chart.js draws it (its tooltips show the numbers on hover), the same numbers are a CSV
 * download, and a screen reader gets a summary.
 */
export function ChartCard(props: { id: string; title: string; kind: 'bar' | 'line' | 'stacked'; labels: string[]; series: Series[]; horizontal?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    const stacked = props.kind === 'stacked'
    const config: ChartConfiguration = {
      type: props.kind === 'line' ? 'line' : 'bar',
      data: {
        labels: props.labels,
        datasets: props.series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, borderColor: s.color }))
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: props.horizontal ? 'y' : 'x',
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: props.series.length > 1 }, tooltip: { enabled: true } },
        scales: { x: { stacked }, y: { stacked, beginAtZero: true } }
      }
    }
    const chart = new Chart(canvas.current!, config)
    return () => chart.destroy()
  }, [props.kind, props.labels, props.series, props.horizontal])
  const total = props.series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0)
  const csv = () => downloadCsv(props.id, [['label', ...props.series.map((s) => s.label)], ...props.labels.map((label, i) => [label, ...props.series.map((s) => s.values[i] ?? 0)])])
  return (
    <section class="card" aria-labelledby={`${props.id}-title`} data-chart={props.id}>
      <header class="card-head">
        <h3 id={`${props.id}-title`}>{props.title}</h3>
        <button class="secondary" type="button" onClick={csv} aria-label={`Download ${props.title} as CSV`}>
          CSV
        </button>
      </header>
      <div class="chart">
        <canvas ref={canvas} role="img" aria-label={`${props.title}: ${props.labels.length} entries, ${total} in all`} data-points={total} />
      </div>
    </section>
  )
}
