import fp from 'fastify-plugin'
import { loadModel, readManifest, type LoadedModel } from '../../classifiers/manifest.js'
import type { Classifier } from '../../classifiers/types.js'
import type { Config } from '../../config.js'
import { ImageThreads, type ImageThreadsOptions } from '../../image/image-threads.js'
import { TextClassifier } from '../../text/text-classifier.js'
import { TextThreads } from '../../text/text-threads.js'

/** The models `models/manifest.json` lists, verified and opened. */
export interface Models {
  /** Text models, ready to score (on the text threads, or in process with TEXT_THREADS=0). */
  text: Classifier[]
  /** The image model, opened in its image threads (it does each image's decode, PDQ hash and inference). */
  image: ImageThreads | undefined
  /** Every model that could not be loaded, and why: the service is not ready while any is listed. */
  problems: string[]
  /** `<name>@<version>` of every model loaded. */
  ids: string[]
}

declare module 'fastify' {
  interface FastifyInstance {
    models: Models
  }
}

export interface ModelsPluginOptions {
  /** Replaces the models MODELS_DIR lists (tests): these text models, and no image model. */
  text?: Classifier[]
}

/** The image threads' settings for a model file, from the service's configuration. */
export function imageThreadsOptions(model: ImageThreadsOptions['model'], config: Config): ImageThreadsOptions {
  return {
    model,
    threads: config.IMAGE_THREADS,
    nice: config.IMAGE_THREAD_NICE,
    session: { intraOpNumThreads: config.IMAGE_MODEL_THREADS, allowSpinning: config.IMAGE_MODEL_SPINNING },
    prepare: { maxInputPixels: config.IMAGE_MAX_PIXELS, pdqVariants: config.PDQ_DIHEDRAL },
    batch: { maxBatch: config.IMAGE_BATCH_MAX, maxWaitMs: config.IMAGE_BATCH_WAIT_MS }
  }
}

/**
 * Loads what the manifest lists, verifying every file's checksum, and opens each model by its kind. A
 * missing, corrupt or unusable model does not stop the process: it is reported (log, /readyz 503,
 * `degradedReasons`) so an orchestrator keeps traffic away while the cause is plain to see.
 */
export default fp<ModelsPluginOptions>(
  async (app, options) => {
    const { config } = app
    const models: Models = { text: options.text ?? [], image: undefined, problems: [], ids: [] }
    const opened: Array<TextClassifier | TextThreads> = []
    if (!options.text) {
      const verified = await verifiedModels(config.MODELS_DIR, models.problems)
      for (const model of verified.filter((entry) => entry.kind === 'text')) {
        try {
          const intraOpNumThreads = config.TEXT_MODEL_THREADS
          opened.push(
            await (config.TEXT_THREADS > 0
              ? TextThreads.open({ model, threads: config.TEXT_THREADS, intraOpNumThreads })
              : TextClassifier.fromManifest(model, { intraOpNumThreads }))
          )
        } catch (err) {
          models.problems.push((err as Error).message)
        }
      }
      models.text = opened
      // One image model is served: the first the manifest lists.
      const image = verified.find((entry) => entry.kind === 'image')
      if (image) {
        try {
          models.image = await ImageThreads.open(imageThreadsOptions(image, config))
        } catch (err) {
          models.problems.push(`model ${image.id}: ${(err as Error).message}`)
        }
      }
    }
    models.ids = [...models.text.map((model) => model.id), ...(models.image ? [models.image.id] : [])]
    for (const problem of models.problems) app.log.error({ problem }, 'model not loaded: the service stays unready')
    app.decorate('models', models)
    app.readiness.add('models', () =>
      models.problems.length > 0 ? { ok: false, detail: models.problems.join('; ') } : { ok: true, detail: models.ids.join(', ') || 'none configured' }
    )
    app.addHook('onClose', async () => {
      await Promise.all([...opened.map((model) => model.release()), models.image?.close()])
    })
  },
  { name: 'models', dependencies: ['config', 'readiness'], fastify: '5.x' }
)

/** The manifest's models whose files are there and match their checksums; the others are added to `problems`. */
async function verifiedModels(modelsDir: string, problems: string[]): Promise<LoadedModel[]> {
  const verified: LoadedModel[] = []
  try {
    for (const entry of (await readManifest(modelsDir)).models) {
      try {
        verified.push(await loadModel(modelsDir, entry))
      } catch (err) {
        problems.push((err as Error).message)
      }
    }
  } catch (err) {
    problems.push((err as Error).message)
  }
  return verified
}
