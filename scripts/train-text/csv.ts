/**
 * Readers for the two file shapes the datasets come in. Quoted CSV (RFC 4180: fields may hold commas,
 * doubled quotes and line breaks) and tab-separated files that use no quoting at all, which must be
 * split line by line: a quote-aware reader would swallow rows at every stray `"` in a tweet.
 */

export interface CsvOptions {
  /** Field separator (default `,`). */
  delimiter?: string
  /**
   * A lone `\r` ends a record (default) or is kept as text: some files (GermEval 2026) hold bare carriage
   * returns inside unquoted fields and end records with `\n` only.
   */
  bareCarriageReturn?: 'ends-record' | 'text'
}

/** Parses quoted CSV into rows of fields; `\r\n` and `\n` both end a record. */
export function parseCsv(text: string, options: CsvOptions = {}): string[][] {
  const delimiter = options.delimiter ?? ','
  const bareCrIsText = options.bareCarriageReturn === 'text'
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else {
        field += c
      }
      i++
      continue
    }
    if (c === '"') {
      quoted = true
    } else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || (c === '\r' && !(bareCrIsText && text[i + 1] !== '\n'))) {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      if (c === '\r' && text[i + 1] === '\n') i++
    } else {
      field += c
    }
    i++
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''))
}

/** Splits a tab-separated file with no quoting: one record per line, fields split on tabs. */
export function parseTsv(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'))
}

/** The field at `index`, or '' when a short row has none. */
export function cell(row: readonly string[], index: number): string {
  return row[index] ?? ''
}

/** Maps header names to column indexes; throws when a required column is missing. */
export function columns<K extends string>(header: readonly string[] | undefined, names: readonly K[], file: string) {
  const index = {} as Record<K, number>
  for (const name of names) {
    const at = header?.indexOf(name) ?? -1
    if (at < 0) throw new Error(`${file}: missing column "${name}"`)
    index[name] = at
  }
  return index
}
