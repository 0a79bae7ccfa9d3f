/**
 * The README's request examples, run as written against a real server: every `curl` command of its
 * ```sh blocks, in order (each builds on the ones before, as a reader would run them), must answer as
 * its comment says — the status it starts with (200 when it names none), and every `"key": value` the
 * comment shows with a plain value somewhere in the answer.
 *
 * What a reader would fill in, the test fills in: `localhost:8080` is this server; `<base64>` is an
 * image; `https://cdn.example/…` is a local image host (the server is configured to fetch from it);
 * the ids the README abbreviates (`e0mhx…`, `k_abc123`, `la_AbC123`) are the ones the server gave.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { build } from './helpers/app.js'
import { imageHost } from './helpers/image-host.js'
import { pictureAsPng } from './helpers/pictures.js'

interface Example {
  command: string
  /** The comment on its last line, or on the lines right after it. */
  comment: string
}

/** The `curl` commands of the README's sh blocks, with their comments. */
function curlExamples(markdown: string): Example[] {
  const examples: Example[] = []
  for (const [, block] of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let command = ''
    let open = false
    for (const line of block!.split('\n')) {
      if (!open && command === '' && line.startsWith('# ')) {
        // A comment line of its own belongs to the command before it.
        const last = examples.at(-1)
        if (last) last.comment = `${last.comment} ${line.slice(2)}`.trim()
        continue
      }
      if (!open && command === '' && !line.startsWith('curl ')) continue
      const { code, comment } = splitComment(line, open)
      command += `${command === '' ? '' : '\n'}${code}`
      open = quotesOpen(command)
      if (!open && !code.trimEnd().endsWith('\\')) {
        examples.push({ command: command.trim(), comment })
        command = ''
      }
    }
  }
  return examples
}

/** Whether a single-quoted string is still open at the end of `text` (the README's commands quote with ' only). */
const quotesOpen = (text: string) => (text.match(/'/g)?.length ?? 0) % 2 === 1

/** A line's code and its trailing comment: a `#` outside quotes, after a space. */
function splitComment(line: string, openAtStart: boolean): { code: string; comment: string } {
  let open = openAtStart
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "'") open = !open
    else if (!open && line[i] === '#' && line[i - 1] === ' ') return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() }
  }
  return { code: line, comment: '' }
}

/** What a comment promises: a leading status, and the `"key": value` pairs with a plain value. */
function expectation(comment: string): { status: number; pairs: Array<[string, unknown]> } {
  const status = /^(\d{3})\b/.exec(comment)?.[1]
  const pairs: Array<[string, unknown]> = []
  for (const [, key, raw] of comment.matchAll(/"([\w-]+)":\s*("[^"…]*"|-?\d+(?:\.\d+)?|true|false|null)(?=\s*[,}\]])/g)) {
    pairs.push([key!, JSON.parse(raw!)])
  }
  return { status: status === undefined ? 200 : Number(status), pairs }
}

/** Whether `key: value` appears anywhere in the JSON. */
function holds(json: unknown, key: string, value: unknown): boolean {
  if (Array.isArray(json)) return json.some((item) => holds(item, key, value))
  if (typeof json !== 'object' || json === null) return false
  return Object.entries(json).some(([k, v]) => (k === key && v === value) || holds(v, key, value))
}

function run(command: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `${command} -w '\\n%{http_code}'`], (err, stdout) => {
      if (err) return reject(err)
      const at = stdout.lastIndexOf('\n')
      resolve({ status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) })
    })
  })
}

t.test('the parser finds commands, their continuation lines and their comments', async (t) => {
  const examples = curlExamples(
    ["```sh", "curl -s a # 201 { \"x\": 1, \"y\": \"z…\" }", "curl -s b -d '{", "  \"k\": 2 }'   # 204, 404 if absent", "# 404 { \"ok\": false }", "npm start", "```"].join('\n')
  )
  t.same(examples, [
    { command: 'curl -s a', comment: '201 { "x": 1, "y": "z…" }' },
    { command: "curl -s b -d '{\n  \"k\": 2 }'", comment: '204, 404 if absent 404 { "ok": false }' }
  ])
  t.same(expectation('201 { "x": 1, "y": "z…", "ok": true, "s": "v" }'), { status: 201, pairs: [['x', 1], ['ok', true], ['s', 'v']] })
  t.same(expectation('the document'), { status: 200, pairs: [] })
})

t.test("every request example of the README answers as it says", async (t) => {
  const examples = curlExamples(readFileSync(new URL('../README.md', import.meta.url), 'utf8'))
  t.ok(examples.length >= 25, `${examples.length} examples`)
  const host = await imageHost(t)
  host.serve('/t.jpg', await pictureAsPng(2), { type: 'image/png' })
  const app = await build(t, { IMAGE_ALLOWED_HOSTS: '127.0.0.1', IMAGE_ALLOW_HTTP: 'true', IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true' })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  const image = (await pictureAsPng(1)).toString('base64')
  const ids: Record<string, string> = {}

  for (const { command, comment } of examples) {
    let filled = command
      .replaceAll('localhost:8080', origin.replace('http://', ''))
      .replaceAll('https://cdn.example', host.origin)
      .replaceAll('<base64>', image)
    for (const [placeholder, id] of Object.entries(ids)) filled = filled.replaceAll(placeholder, id)
    const { status, body } = await run(filled)
    const expected = expectation(comment)
    t.equal(status, expected.status, `${command.split('\n')[0]} → ${status} ${body.slice(0, 300)}`)
    const json: unknown = body === '' ? undefined : JSON.parse(body)
    for (const [key, value] of expected.pairs) t.ok(holds(json, key, value), `${command.split('\n')[0]}: "${key}": ${JSON.stringify(value)}`)

    // The ids later examples abbreviate, as the server gave them.
    const answer = json as { id?: string; entries?: Array<{ id: string }>; learned?: Array<{ id: string }> } | undefined
    if (/\/entries -H/.test(command) && !ids['e0mhx…'] && answer?.entries?.[0]) ids['e0mhx…'] = answer.entries[0].id
    if (/\/rules\/keywords -H/.test(command) && answer?.id) ids.k_abc123 = answer.id
    if (/\/rules$/.test(command) && answer?.learned?.[0]) ids.la_AbC123 = answer.learned[0].id
  }
  t.same(Object.keys(ids).sort(), ['e0mhx…', 'k_abc123', 'la_AbC123'], 'every abbreviated id was given by an earlier answer')
})
