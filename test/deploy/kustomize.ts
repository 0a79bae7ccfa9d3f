import { readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseAllDocuments, parse } from 'yaml'

/** A Kubernetes object as read from YAML. */
export type Manifest = {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [field: string]: unknown
}

type Kustomization = {
  apiVersion?: string
  kind?: string
  namespace?: string
  resources?: string[]
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[]
  images?: { name: string; newName?: string; newTag?: string }[]
  secretGenerator?: { name: string; files?: string[]; options?: { disableNameSuffixHash?: boolean } }[]
}

/** The kustomization fields render() applies; a kustomization using any other is refused, not half-rendered. */
const RENDERED_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'secretGenerator'])

function readYamlFile(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`)
    return document.toJS() as Manifest
  })
}

/**
 * Renders a kustomization as `kustomize build` does for the fields it uses: resources (files and
 * directories, recursively), namespace, labels (metadata only, as `labels` without includeSelectors does),
 * images, and secretGenerator from files with a stable name. Returns the objects and every file read.
 */
export function render(dir: string): { objects: Manifest[]; files: string[] } {
  const path = join(dir, 'kustomization.yaml')
  const kustomization = parse(readFileSync(path, 'utf8')) as Kustomization
  const unknown = Object.keys(kustomization).filter((field) => !RENDERED_FIELDS.has(field))
  if (unknown.length > 0) throw new Error(`${path}: fields this renderer does not apply: ${unknown.join(', ')}`)

  const files = [path]
  const objects: Manifest[] = []
  for (const resource of kustomization.resources ?? []) {
    const resourcePath = join(dir, resource)
    if (statSync(resourcePath).isDirectory()) {
      const rendered = render(resourcePath)
      objects.push(...rendered.objects)
      files.push(...rendered.files)
    } else {
      objects.push(...readYamlFile(resourcePath))
      files.push(resourcePath)
    }
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    if (generator.options?.disableNameSuffixHash !== true) throw new Error(`${path}: secretGenerator ${generator.name} needs a stable name here`)
    const data = Object.fromEntries(
      (generator.files ?? []).map((file) => {
        files.push(join(dir, file))
        return [basename(file), readFileSync(join(dir, file)).toString('base64')]
      })
    )
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: generator.name }, type: 'Opaque', data })
  }

  for (const object of objects) {
    if (kustomization.namespace) object.metadata.namespace = kustomization.namespace
    for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
      if (includeSelectors || includeTemplates) throw new Error(`${path}: labels into selectors or templates are not rendered here`)
      object.metadata.labels = { ...object.metadata.labels, ...pairs }
    }
    for (const container of containersOf(object)) {
      const [name, tag] = container.image.split(':') as [string, string | undefined]
      const image = kustomization.images?.find((entry) => entry.name === name)
      if (image) container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`
    }
  }
  return { objects, files }
}

type Container = { name: string; image: string; [field: string]: unknown }

export function containersOf(object: Manifest): Container[] {
  const spec = object.spec as { template?: { spec?: { containers?: Container[] } } } | undefined
  return spec?.template?.spec?.containers ?? []
}
