import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as monitoringV1 from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import * as appsV1 from 'kubernetes-models/apps/v1'
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2'
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1'
import * as policyV1 from 'kubernetes-models/policy/v1'
import * as coreV1 from 'kubernetes-models/v1'
import t from 'tap'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig } from '../../src/config.js'
import { build } from '../helpers/app.js'
import { containersOf, render, type Manifest } from './kustomize.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const KUBERNETES = join(ROOT, 'deploy', 'kubernetes')
const MONITORING = join(ROOT, 'deploy', 'monitoring')
const BASE = join(KUBERNETES, 'base')
const EXAMPLE = join(KUBERNETES, 'example')
const REDIS = join(KUBERNETES, 'redis')
const CONFIG_NAMES = new Set(Object.keys(ConfigSchema.shape))

/** Every model class of the API groups the manifests use, by `apiVersion/kind`. */
const MODELS = new Map<string, new (data: object) => { validate(): void }>()
for (const group of [appsV1, autoscalingV2, networkingV1, policyV1, coreV1, monitoringV1]) {
  for (const model of Object.values(group) as unknown[]) {
    const { apiVersion, kind } = model as { apiVersion?: string; kind?: string }
    if (apiVersion && kind) MODELS.set(`${apiVersion}/${kind}`, model as new (data: object) => { validate(): void })
  }
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
}

const example = render(EXAMPLE)
const base = render(BASE)
const redis = render(REDIS)
const find = <T = Record<string, unknown>>(kind: string) => {
  const object = example.objects.find((candidate) => candidate.kind === kind)
  if (!object) throw new Error(`no ${kind} in the rendered example`)
  return object as Manifest & T
}

type Probe = { httpGet: { path: string; port: string | number } }
type Container = {
  name: string
  image: string
  ports: { name: string; containerPort: number }[]
  env?: { name: string; value: string }[]
  envFrom?: { configMapRef: { name: string } }[]
  startupProbe: Probe
  readinessProbe: Probe
  livenessProbe: Probe
  lifecycle: { preStop: { sleep: { seconds: number } } }
  resources: { requests: Record<string, string>; limits: Record<string, string> }
  securityContext: Record<string, unknown> & { capabilities: { drop: string[] } }
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]
}
type PodSpec = {
  terminationGracePeriodSeconds: number
  securityContext: Record<string, unknown> & { seccompProfile: { type: string } }
  volumes: { name: string; emptyDir?: object; secret?: { secretName: string } }[]
}
const deployment = find<{ spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } }>('Deployment')
const pod = deployment.spec.template.spec
const container = containersOf(deployment)[0] as unknown as Container
const configMap = find<{ data: Record<string, string> }>('ConfigMap')
const environment = { ...configMap.data, ...Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value])) }

t.test('every manifest validates against the Kubernetes schemas', (t) => {
  for (const object of [...base.objects, ...example.objects, ...redis.objects]) {
    const Model = MODELS.get(`${object.apiVersion}/${object.kind}`)
    t.ok(Model, `${object.apiVersion} ${object.kind} is a known Kubernetes type`)
    t.doesNotThrow(() => new Model!(object).validate(), `${object.kind} ${object.metadata.name}`)
  }
  t.same(example.objects.map((object) => object.kind).sort(), [
    'ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'PrometheusRule', 'Secret', 'Service'
  ])
  t.end()
})

t.test('a schema violation is caught (the validation can fail)', (t) => {
  const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } }
  broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http'
  t.throws(() => new appsV1.Deployment(broken as object).validate(), /containerPort must be integer/)
  t.end()
})

t.test('every YAML file under deploy/kubernetes and deploy/monitoring is part of a kustomization', (t) => {
  const rendered = new Set([...base.files, ...example.files, ...redis.files])
  const files = [...yamlFilesUnder(KUBERNETES), ...yamlFilesUnder(MONITORING)]
  t.same(files.filter((file) => !rendered.has(file)).map((file) => relative(ROOT, file)), [])
  t.end()
})

t.test('probes ask the routes the service answers, on its port', async (t) => {
  t.equal(container.startupProbe.httpGet.path, '/healthz')
  t.equal(container.livenessProbe.httpGet.path, '/healthz')
  t.equal(container.readinessProbe.httpGet.path, '/readyz')
  const app = await build(t)
  for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
    t.ok(app.hasRoute({ method: 'GET', url: probe.httpGet.path }), `GET ${probe.httpGet.path} is a route`)
    t.equal(probe.httpGet.port, 'http')
  }
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)

  const [http] = container.ports
  t.equal(http?.name, 'http')
  t.equal(http?.containerPort, loadConfig(environment).PORT, 'the container port is the port the service listens on')
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  t.match(dockerfile, new RegExp(`^EXPOSE ${http?.containerPort}$`, 'm'))
  t.match(dockerfile, new RegExp(`PORT=${http?.containerPort}\\b`))
  const service = find<{ spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>('Service')
  t.equal(service.spec.ports[0]?.targetPort, 'http')
})

t.test('the environment names settings the service reads, with valid values', (t) => {
  t.same([...Object.keys(environment)].filter((name) => !CONFIG_NAMES.has(name)), [], 'no unknown variable')
  t.doesNotThrow(() => loadConfig(environment))
  t.same(container.envFrom?.map((source) => source.configMapRef.name), [configMap.metadata.name])
  t.end()
})

t.test('API keys come from the Secret, mounted read-only where AUTH_KEYS_FILE points', (t) => {
  const keysFile = environment.AUTH_KEYS_FILE!
  const mount = container.volumeMounts.find((candidate) => keysFile.startsWith(`${candidate.mountPath}/`))!
  t.ok(mount?.readOnly)
  const volume = pod.volumes.find((candidate) => candidate.name === mount.name)!
  const secret = find<{ data: Record<string, string> }>('Secret')
  t.equal(volume.secret?.secretName, secret.metadata.name)
  const file = keysFile.slice(mount.mountPath.length + 1)
  const keys = JSON.parse(Buffer.from(secret.data[file]!, 'base64').toString('utf8')) as { keys: { id: string; sha256: string; scopes: string[] }[] }
  t.ok(keys.keys.length > 0)
  for (const key of keys.keys) t.match(key.sha256, /^[0-9a-f]{64}$/, 'the file holds hashes, never secrets')
  t.end()
})

t.test('the pod runs non-root, read-only, unprivileged, with a writable /tmp', (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } })
  t.match(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 })
  t.same(container.securityContext.capabilities.drop, ['ALL'])
  const tmp = container.volumeMounts.find((mount) => mount.mountPath === '/tmp')
  t.ok(pod.volumes.find((volume) => volume.name === tmp?.name)?.emptyDir, '/tmp is an emptyDir')
  t.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /^USER 1000:1000$/m, 'the image runs as the same uid')
  t.end()
})

t.test('the grace period covers the preStop pause, the shutdown delay and the longest request', (t) => {
  const config = loadConfig(environment)
  // How long the service keeps serving after SIGTERM (none when it has no such setting).
  const shutdownDelayMs = 'SHUTDOWN_DELAY_MS' in config ? Number(config.SHUTDOWN_DELAY_MS) : 0
  const needed = container.lifecycle.preStop.sleep.seconds + (shutdownDelayMs + config.REQUEST_TIMEOUT_MS) / 1000
  t.ok(pod.terminationGracePeriodSeconds > needed, `${pod.terminationGracePeriodSeconds} s > ${needed} s`)
  t.end()
})

t.test('requests and limits are set, limits at least the requests', (t) => {
  const { requests, limits } = container.resources
  t.ok(requests.cpu && requests.memory && limits.memory)
  const mebibytes = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)![1])
  t.ok(mebibytes(limits.memory!) >= mebibytes(requests.memory!))
  t.end()
})

t.test('the Service, HPA, PDB and NetworkPolicy select the Deployment', (t) => {
  const labels = deployment.spec.template.metadata.labels
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value)
  t.ok(selects(deployment.spec.selector.matchLabels))
  t.ok(selects(find<{ spec: { selector: Record<string, string> } }>('Service').spec.selector))
  t.ok(selects(find<{ spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget').spec.selector.matchLabels))
  const policy = find<{ spec: { podSelector: { matchLabels: Record<string, string> }; ingress: { ports: { port: string }[] }[] } }>('NetworkPolicy')
  t.ok(selects(policy.spec.podSelector.matchLabels))
  t.equal(policy.spec.ingress[0]?.ports[0]?.port, 'http')
  const hpa = find<{ spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }>('HorizontalPodAutoscaler')
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
  t.ok(hpa.spec.minReplicas >= 2, 'at least two replicas, so one can be disrupted')
  t.match(container.image, /^registry\.example\.com\/feedguard:\d+\.\d+\.\d+$/)
  t.end()
})

t.test('compose: two replicas and a persistent Redis, with settings the service reads', (t) => {
  type Service = {
    image: string
    command?: string[]
    environment?: Record<string, string>
    ports?: string[]
    volumes?: string[]
    secrets?: string[]
    read_only?: boolean
  }
  const compose = parse(readFileSync(join(ROOT, 'deploy', 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>
    secrets: Record<string, { file: string }>
    volumes: Record<string, unknown>
  }
  const replicas = Object.entries(compose.services).filter(([, service]) => service.image.includes('feedguard'))
  t.equal(replicas.length, 2)
  const port = loadConfig({}).PORT
  for (const [name, service] of replicas) {
    const env = service.environment ?? {}
    t.same(Object.keys(env).filter((variable) => !CONFIG_NAMES.has(variable)), [], `${name}: no unknown variable`)
    t.doesNotThrow(() => loadConfig(env))
    t.match(env.REDIS_URL, /^redis:\/\/redis:6379/)
    t.ok(service.ports?.every((mapping) => mapping.endsWith(`:${port}`)), `${name} publishes the service's port`)
    t.ok(service.read_only)
    const [secret] = service.secrets ?? []
    t.equal(env.AUTH_KEYS_FILE, `/run/secrets/${secret}`)
    const file = /^\$\{[A-Z_]+:-(.+)\}$/.exec(compose.secrets[secret!]!.file)![1]!
    t.ok(JSON.parse(readFileSync(join(ROOT, 'deploy', file), 'utf8')).keys, 'the default keys file exists')
  }
  const redis = compose.services.redis!
  t.match(redis.command?.join(' '), /--appendonly yes/, 'Redis appends every write (AOF)')
  const dataVolume = redis.volumes?.find((volume) => volume.endsWith(':/data'))
  t.ok(dataVolume && dataVolume.split(':')[0]! in compose.volumes, 'the AOF lives on a named volume')
  t.end()
})

t.test('the trial Redis keeps every write: AOF on a persistent volume, reachable where the service looks for it', (t) => {
  t.same(redis.objects.map((object) => object.kind).sort(), ['Service', 'StatefulSet'])
  type StatefulSet = {
    spec: {
      serviceName: string
      selector: { matchLabels: Record<string, string> }
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[] } }
      volumeClaimTemplates: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[]
    }
  }
  const statefulSet = redis.objects.find((object) => object.kind === 'StatefulSet') as Manifest & StatefulSet
  const service = redis.objects.find((object) => object.kind === 'Service') as Manifest & { spec: { selector: Record<string, string>; ports: { port: number }[] } }
  const [server] = statefulSet.spec.template.spec.containers
  const args = server!.args.join(' ')
  t.match(args, /--appendonly yes\b/, 'Redis appends every write (AOF)')
  t.match(args, /--appendfsync everysec\b/)
  t.match(args, /--maxmemory-policy noeviction\b/, 'a full Redis refuses writes rather than evicting primary data')
  const dir = /--dir (\S+)/.exec(args)![1]
  const mount = server!.volumeMounts.find((candidate) => candidate.mountPath === dir)
  t.ok(mount, 'the AOF directory is a mounted volume')
  t.ok(statefulSet.spec.volumeClaimTemplates.some((claim) => claim.metadata.name === mount?.name), 'a PersistentVolumeClaim, not an emptyDir')

  const labels = statefulSet.spec.template.metadata.labels
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value)
  t.ok(selects(statefulSet.spec.selector.matchLabels))
  t.ok(selects(service.spec.selector), 'the Service selects the Redis pod')
  t.equal(statefulSet.spec.serviceName, service.metadata.name)
  const url = new URL(loadConfig(environment).REDIS_URL!)
  t.equal(url.hostname, service.metadata.name, "the ConfigMap's REDIS_URL names this Service")
  t.equal(Number(url.port), service.spec.ports[0]?.port)
  t.equal(service.metadata.namespace, example.objects[0]!.metadata.namespace, "in the example's namespace")
  const policy = find<{ spec: { egress: { to: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[] } }>('NetworkPolicy')
  t.ok(
    policy.spec.egress.some((rule) => rule.to.some((peer) => peer.podSelector && selects(peer.podSelector.matchLabels)) && rule.ports.some((port) => port.port === Number(url.port))),
    "feedguard's NetworkPolicy lets its pods reach it"
  )
  t.end()
})
