import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { Metrics } from '../../src/metrics/metrics.js'

interface Rule {
  alert: string
  expr: string
  for: string
  labels: { severity: string }
  annotations: { summary: string }
}

const document = parse(readFileSync(new URL('../../deploy/monitoring/prometheus-rule.yaml', import.meta.url), 'utf8')) as {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: { groups: Array<{ name: string; rules: Rule[] }> }
}
const rules = document.spec.groups.flatMap((group) => group.rules)

/** Every series name the service exposes: each family, with a histogram's `_bucket`, `_sum` and `_count`. */
async function exposedNames(): Promise<Set<string>> {
  const names = new Set<string>()
  for (const line of (await new Metrics().scrape()).body.split('\n')) {
    const [, , name, type] = line.split(' ')
    if (!line.startsWith('# TYPE ') || !name) continue
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
  }
  return names
}

t.test('an Operator PrometheusRule with the four alerts', async (t) => {
  t.equal(document.apiVersion, 'monitoring.coreos.com/v1')
  t.equal(document.kind, 'PrometheusRule')
  t.same(rules.map((rule) => rule.alert).sort(), ['FeedguardDegradedRatioHigh', 'FeedguardErrorRatioHigh', 'FeedguardImageQueueDropping', 'FeedguardScoreLatencyP99High'])
  for (const rule of rules) {
    t.match(rule, { expr: String, for: /^\d+m$/, labels: { severity: /^(warning|critical)$/ }, annotations: { summary: String } }, rule.alert)
  }
})

t.test('every alert reads metrics the service exposes, with labels they have', async (t) => {
  const names = await exposedNames()
  for (const rule of rules) {
    const used = [...rule.expr.matchAll(/\b((?:http|feedguard|nodejs|process)_\w+)\{([^}]*)\}/g)]
    t.ok(used.length > 0, `${rule.alert} reads a metric`)
    for (const [, name, selector] of used) {
      t.ok(names.has(name!), `${rule.alert}: ${name} is exposed`)
      // Matched label values must be ones the service writes (job is Prometheus' own).
      for (const [, label, value] of selector!.matchAll(/(\w+)="([^"]*)"/g)) {
        if (label === 'job') continue
        const allowed: Record<string, RegExp> = { status_class: /^[1-5]xx$/, degraded: /^(true|false)$/, route: /^\/v1\/score$/ }
        t.match(value!, allowed[label!] ?? /^$/, `${rule.alert}: ${label}="${value}"`)
      }
    }
  }
})
