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

  const vectors = ['none', '1.1 threats of harm', '2.1 descriptive attacks', '3.2 immutable gender differences and gender stereotypes']
  const edos = Array.from({ length: rows * 2 }, (_, i) => {
    const vector = pick(vectors, i)
    const sexist = vector === 'none' ? (i % 8 === 0 ? 'unknown' : 'not sexist') : 'sexist'
    const category = vector === 'none' ? 'none' : `${vector[0]}. category`
    const text = sexist === 'sexist' ? `women are ${pick(RUDE, i)}s, "${i}"\nsecond` : `a ${pick(NICE, i)} for her ${i}`
    return `sexism2022_english-${i},${csvField(text)},${sexist},${category},${vector},${pick(['train', 'dev', 'test', 'train'], i)}`
  })
  write('edos/edos_labelled_aggregated.csv', `rewire_id,text,label_sexist,label_category,label_vector,split\n${edos.join('\n')}\n`)

  // toxic spans: comment i has 3 annotators; i % 4: 0 = all not toxic, 1 = insult by 2 of 3, 2 = threat by 1 of 3, 3 = tie (2 of 4 not toxic)
  const comments: string[] = []
  const annotations: string[] = []
  const spans: string[] = []
  let annotation = 0
  for (let i = 0; i < rows * 2; i++) {
    const kind = i % 4
    comments.push(`${700 + i},${csvField(kind === 0 ? `a ${pick(NICE, i)} post ${i}` : `you ${pick(RUDE, i)}, "${i}"`)}`)
    const annotators = kind === 3 ? 4 : 3
    for (let a = 0; a < annotators; a++) {
      const notToxic = kind === 0 || (kind === 3 && a < 2)
      annotations.push(`${annotation},${700 + i},${a},USA,False,${notToxic ? 'True' : 'False'}`)
      if (kind === 1 && a < 2) spans.push(`${annotation},Insult,4,10`, `${annotation},Insult,11,14`)
      if (kind === 2 && a === 0) spans.push(`${annotation},Threat,0,3`)
      if (kind === 2) spans.push(`${annotation},Identity based Attack,0,3`)
      annotation++
    }
  }
  spans.push('9999,Insult,0,1')
  write('toxic_spans/comments.csv', `comment_id,comment_text\n${comments.join('\n')}\n`)
  write('toxic_spans/annotations.csv', `annotation,comment_id,worker,country,all toxic,not toxic\n${annotations.join('\n')}\n`)
  write('toxic_spans/spans.csv', `annotation,type,start,end\n${spans.join('\n')}\n`)

  const convHeader = ['example_id', 'conv_id', 'prev_agent', 'prev_user', 'agent', 'user', 'bot']
  const annotatorFields = ['is_abuse.1', 'is_abuse.0', 'is_abuse.-1', 'is_abuse.-2', 'is_abuse.-3', 'ableist', 'homophobic', 'intellectual', 'racist', 'sexist', 'sex_harassment', 'transphobic', 'target.generalised', 'target.individual', 'target.system', 'explicit', 'implicit']
  for (const a of [1, 2, 3]) for (const field of annotatorFields) convHeader.push(`Annotator${a}_${field}`)
  for (const file of ['train', 'valid', 'test']) {
    const lines = Array.from({ length: rows }, (_, i) => {
      const kind = i % 4 // 0 not abusive, 1 abusive insult at the agent, 2 abusive racist, 3 ambiguous
      const cells = [`${file}${i}`, 'c', 'hi', 'hello', 'how can I help', kind === 0 ? `${pick(NICE, i)} ${file} ${i}` : `you ${pick(RUDE, i)} bot ${file} ${i}`, 'alana']
      for (const a of [1, 2, 3]) {
        const vote = kind === 0 ? 0 : kind === 3 ? (a === 1 ? 0 : a === 2 ? 2 : -1) : a === 3 ? 4 : 3
        const severity = a === 3 && kind !== 3 ? ['', '', '', '', ''] : [0, 1, 2, 3, 4].map((v) => (v === vote ? (i === 1 && a === 1 ? '1, 1' : '1') : '0'))
        const types = ['ableist', 'homophobic', 'intellectual', 'racist', 'sexist', 'sex_harassment', 'transphobic'].map((type) => (kind === 2 && type === 'racist' ? '1' : '0'))
        const targets = [kind === 2 ? '1' : '0', '0', kind === 1 ? '1' : '0']
        cells.push(...severity.map(String), ...types, ...targets, '1', '0')
      }
      return cells.map((c) => csvField(c)).join(',')
    })
    write(`convabuse/ConvAbuseEMNLP${file}.csv`, `${convHeader.join(',')}\n${lines.join('\n')}\n`)
  }

  const implicitClasses = ['not_hate', 'implicit_hate', 'explicit_hate', 'implicit_hate', 'odd']
  const posts = Array.from({ length: rows * 2 }, (_, i) => {
    const cls = pick(implicitClasses, i)
    return [cls === 'not_hate' ? `" the ""${pick(NICE, i)}"" ${i} "` : `" those people are ${pick(RUDE, i)}s ${i} "`, cls] as const
  })
  write('implicit_hate/implicit_hate_v1_stg1_posts.tsv', `post\tclass\n${posts.map(([p, c]) => `${p}\t${c}`).join('\n')}\n`)
  const typed = posts.filter(([, c]) => c === 'implicit_hate').map(([p], i) => `${p}\t${i % 2 ? 'threatening' : 'irony'}\t`)
  write('implicit_hate/implicit_hate_v1_stg2_posts.tsv', `post\timplicit_class\textra_implicit_class\n${typed.slice(0, -1).join('\n')}\n`)

  const stormLabels = ['noHate', 'hate', 'relation', 'idk/skip', 'noHate']
  const storm = Array.from({ length: rows * 2 }, (_, i) => {
    const label = pick(stormLabels, i)
    return `${i}_1\t1\t1\t0\t${label}\t${label === 'hate' ? `they are ${pick(RUDE, i)}s ${i}` : `the forum "meeting ${pick(NICE, i)} ${i}`}`
  })
  write('stormfront/stormfront.tsv', `file_id\tuser_id\tsubforum_id\tnum_contexts\tlabel\ttext\n${storm.join('\n')}\n`)

  const toxigen = Array.from({ length: rows * 2 }, (_, i) => {
    const label = pick(['hate', 'neutral', 'neutral', 'other'], i)
    return `${label}\t${pick(['asian', 'women', 'jewish'], i)}\t${label === 'hate' ? `they are all ${pick(RUDE, i)}s ${i}` : `many people ${pick(NICE, i)} ${i}`}`
  })
  write('toxigen_seeds/toxigen_seeds.tsv', `label\tgroup\ttext\n${toxigen.join('\n')}\n`)

  const vio = ['nothing', 'call2violence', 'prospensity', 'support', 'nothing', 'glorification', 'other', 'unknown']
  const violence = Array.from({ length: rows * 2 }, (_, i) => {
    const label = pick(vio, i)
    const text = label === 'nothing' ? `${pick(GERMAN_NICE, i)}\r${i}` : `"alle ${pick(GERMAN_RUDE, i)}; aufhängen ${i}\nnoch eine Zeile"`
    return `${1000 + i};${text};${label}`
  })
  write('germeval2026_violence/vio_train_26.csv', `id;description;vio\n${violence.join('\n')}\n`)
}
