import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes tiny synthetic copies of every dataset, in the real files' formats and with their traps
 * (multi-line quoted CSV, unquoted TSV with stray quotes, CRLF, an added header line), so the loaders
 * and the whole training pipeline can be tested without the real data.
 */

const RUDE = ['stupid idiot', 'dumb moron', 'worthless loser', 'shut up fool', 'pathetic clown', 'ugly jerk']
const NICE = ['lovely weather', 'great recipe', 'thanks for sharing', 'beautiful sunset', 'happy birthday', 'nice video']
const SPAM = ['check out my channel', 'subscribe for free iphone', 'click the link to win', 'free prize call now']
const GERMAN_RUDE = ['du dummer idiot', 'halt die klappe', 'so ein vollidiot']
const GERMAN_NICE = ['schönes wetter heute', 'danke für das video', 'guten morgen allerseits']

const pick = (list: readonly string[], i: number) => list[i % list.length] as string
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`

export function writeFixtureDatasets(dir: string, rows = 24): void {
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const jigsawHeader = 'id,comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate,is_bad\n'
  const jigsaw = (prefix: string, bad: boolean, n: number) =>
    jigsawHeader +
    Array.from({ length: n }, (_, i) => {
      const text = bad ? `You ${pick(RUDE, i)} number ${prefix}${i}, "really"\n\nI will hurt you` : `A ${pick(NICE, i)} comment ${prefix}${i}\nsecond line`
      const f = bad ? [1, 0, i % 2, i % 3 === 0 ? 1 : 0, 1, i % 4 === 0 ? 1 : 0] : [0, 0, 0, 0, 0, 0]
      return `${prefix}${i},${csvField(text)},${f.join(',')},${bad ? 'True' : 'False'}`
    }).join('\n') +
    '\n'
  write('jigsaw_subsets/train.a.bad.1k.csv', jigsaw('tb', true, rows))
  write('jigsaw_subsets/train.a.ok.1k.csv', jigsaw('to', false, rows))
  write('jigsaw_subsets/test.a.bad.200.csv', jigsaw('sb', true, rows / 2))
  write('jigsaw_subsets/test.a.ok.200.csv', jigsaw('so', false, rows / 2))
  write('jigsaw_subsets/notes.txt', 'not a pool\n')

  const olidLabels = ['NOT\tNULL\tNULL', 'OFF\tUNT\tNULL', 'OFF\tTIN\tIND', 'OFF\tXXX\tNULL', 'BAD\tNULL\tNULL']
  const olid = Array.from({ length: rows * 2 }, (_, i) => {
    const label = pick(olidLabels, i)
    const text = label.startsWith('NOT') || label.startsWith('BAD') ? `@USER a ${pick(NICE, i)} "quote ${i}` : `@USER you ${pick(RUDE, i)} ${i} URL`
    return `${1000 + i}\t${text}\t${label}`
  })
  write('olid/olid-training-v1.0.tsv', `id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\r\n${olid.join('\r\n')}\r\n`)
  const olidTest = Array.from({ length: rows }, (_, i) => [5000 + i, i % 3 === 0 ? `@USER ${pick(RUDE, i)} test ${i}` : `@USER ${pick(NICE, i)} test ${i}`])
  write('olid/testset-levela.tsv', `id\ttweet\r\n${olidTest.map(([id, text]) => `${id}\t${text}`).join('\r\n')}\r\n`)
  write(
    'olid/labels-levela.csv',
    `${olidTest.map(([id], i) => `${id},${i === 1 ? 'XXX' : i % 3 === 0 ? 'OFF' : 'NOT'}`).join('\r\n')}\r\n`
  )

  const germevalFine = ['OTHER\tOTHER', 'OFFENSE\tABUSE', 'OFFENSE\tINSULT', 'OFFENSE\tPROFANITY', 'OTHER\tOTHER', 'WHAT\tEVER']
  const germeval = (tag: string) =>
    Array.from({ length: rows }, (_, i) => {
      const label = pick(germevalFine, i)
      return `@user ${label.startsWith('OFFENSE') ? pick(GERMAN_RUDE, i) : pick(GERMAN_NICE, i)} "${tag}${i}\t${label}`
    }).join('\n') + '\n'
  write('germeval2018/germeval2018.training.txt', germeval('tr'))
  write('germeval2018/germeval2018.test.txt', germeval('te'))

  const sentiments = ['normal', 'offensive', 'hateful_offensive', 'normal_offensive', 'fearful']
  for (const lang of ['en', 'fr', 'ar']) {
    const lines = Array.from({ length: rows }, (_, i) => {
      const s = pick(sentiments, i)
      const text = s === 'normal' ? `${lang} ${pick(NICE, i)} ${i}` : `${lang} @user ${pick(RUDE, i)}, ${i}`
      return `${i},${csvField(text)},${s},direct,anger,origin,other`
    })
    write(`mlma/${lang}_dataset.csv`, `HITId,tweet,sentiment,directness,annotator_sentiment,target,group\r\n${lines.join('\r\n')}\r\n`)
  }

  const davidson = Array.from({ length: rows }, (_, i) => {
    const cls = i % 3
    return `${i},3,0,0,3,${cls === 2 && i % 2 ? 'x' : cls},${csvField(cls === 2 ? `RT ${pick(NICE, i)} ${i}` : `${pick(RUDE, i)} ${i}`)}`
  })
  write('davidson/labeled_data.csv', `,count,hate_speech,offensive_language,neither,class,tweet\n${davidson.join('\n')}\n`)

  const sms = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? `spam\t${pick(SPAM, i)} txt ${i}` : `ham\t${pick(NICE, i)} ok ${i}`))
  write('sms_spam/SMSSpamCollection', `Label\tSMS\n${sms.join('\n')}\nodd\tline\n`)

  for (const video of ['Youtube01-Psy', 'Youtube02-KatyPerry', 'Youtube04-Eminem']) {
    const lines = Array.from({ length: rows }, (_, i) => {
      const spam = i % 2 === 0
      return `c${i},author ${i},2013-11-07T06:20:48,${csvField(spam ? `${pick(SPAM, i)}, ${video} ${i}` : `${pick(NICE, i)} song ${video} ${i}`)},${i === 3 ? 'x' : spam ? 1 : 0}`
    })
    write(`youtube_spam/${video}.csv`, `COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n${lines.join('\n')}\n`)
  }
  write('youtube_spam/SOURCE.txt', 'about\n')
}
