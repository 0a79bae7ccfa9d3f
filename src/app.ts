import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify'
import { validatorCompiler } from 'fastify-type-provider-zod'
// In this order: the OpenAPI document lists the named schemas (components) in the order their modules
// (src/api/schemas/) are first loaded, and `npm run openapi:check` holds it byte for byte.
import { scoreRoutes } from './api/score.js'
import { rulesRoutes } from './api/rules.js'
import { bankRoutes } from './api/banks.js'
import { feedbackRoutes } from './api/feedback.js'
import { insightsRoutes } from './api/insights.js'
import { itemRoutes } from './api/items.js'
import { policyRoutes } from './api/policy.js'
import { consoleRoutes } from './api/console.js'
import { healthRoutes } from './api/health.js'
import { adminRoutes } from './api/admin.js'
import {
  acceptEmptyJsonWithoutBody,
  clientErrorHandler,
  errorBody,
  frameworkErrors,
  installNotFound,
  MAX_PARAM_LENGTH,
  type ErrorBody
} from './api/http-edges.js'
import { metricsRoutes } from './api/metrics.js'
import type { Classifier } from './classifiers/types.js'
import type { Config } from './config.js'
import { loggerOptions, requestId } from './logging.js'
import { FeedguardError } from './errors.js'
import aggregateStore from './plugins/app/aggregate-store.js'
import auth from './plugins/app/auth.js'
import banks from './plugins/app/banks.js'
import dataset from './plugins/app/dataset-marker.js'
import decisions from './plugins/app/decisions.js'
import feedback from './plugins/app/feedback.js'
import images from './plugins/app/images.js'
import metrics from './plugins/app/metrics.js'
import overload from './plugins/app/overload.js'
import models from './plugins/app/models.js'
import policy from './plugins/app/policy.js'
import readiness from './plugins/app/readiness.js'
import rules from './plugins/app/rules.js'
import rulesStore from './plugins/app/rules-store.js'
import scoring from './plugins/app/scoring.js'
import configPlugin from './plugins/external/config.js'
import redis from './plugins/external/redis.js'
import swagger from './plugins/external/swagger.js'
import type { RulesStore } from './rules/rules-store.js'

export interface AppOptions {
  config: Config
  /** Replaces the rules store chosen from the config (tests). */
  rulesStore?: RulesStore
  /** Replaces the models MODELS_DIR lists (tests): these text models, and no image model. */
  models?: Classifier[]
  /** Aborted when shutdown begins: readiness turns 503 at once, while requests are still served. */
  shutdown?: AbortSignal
}

/** Fastify's own options, shared by the server and the tests so both run the same app. */
/**
 * Fastify's own options, shared by the server and the tests so both run the same app. `logger` adds to
 * (or overrides) the service's logger options: tests give a stream to read the lines.
 */
export function fastifyOptions(config: Config, logger: Record<string, unknown> = {}): FastifyServerOptions {
  return {
    logger: { ...loggerOptions(config.LOG_LEVEL), ...logger },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    pluginTimeout: config.STARTUP_TIMEOUT_MS,
    // The caller's x-request-id when it is a sensible one, else a UUID (see requestId).
    requestIdHeader: false,
    genReqId: requestId,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler
  }
}

/**
 * The application as a plugin, so tests build it without a port. Plugins load in a visible order:
 * the configuration and external connections (src/plugins/external/), then the app's own concerns,
 * each a `fastify-plugin` that decorates the instance with what it makes and names what it depends on
 * (src/plugins/app/), then the routes.
 */
export default async function app(fastify: FastifyInstance, options: AppOptions) {
  // First: it learns every route from here on, to tell 405 from 404.
  installNotFound(fastify)
  acceptEmptyJsonWithoutBody(fastify)
  fastify.setValidatorCompiler(validatorCompiler)
  // Responses are built by the service's own typed code; validating them again per request would
  // cost more than the decisions themselves. Their schemas document them and tests check them.
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data))

  await fastify.register(configPlugin, { config: options.config })
  // First after the config, so that every concern, the Redis connections included, can record into it.
  await fastify.register(metrics)
  // Before Redis too: the connection reports its state to it.
  await fastify.register(readiness, { shutdown: options.shutdown })
  // Early, so that a shed request costs as little as possible.
  await fastify.register(overload)
  await fastify.register(redis)
  await fastify.register(swagger)

  await fastify.register(auth)
  await fastify.register(policy)
  await fastify.register(models, options.models ? { text: options.models } : {})
  await fastify.register(images)
  await fastify.register(rulesStore, options.rulesStore ? { store: options.rulesStore } : {})
  await fastify.register(aggregateStore)
  await fastify.register(feedback)
  await fastify.register(rules)
  await fastify.register(banks)
  await fastify.register(decisions)
  await fastify.register(dataset)
  await fastify.register(scoring)

  // Set before any route plugin is registered: child contexts copy the handlers they see at creation.
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const { statusCode, body } = toErrorResponse(err)
    const level = errorLogLevel(err, statusCode)
    if (level === 'error') request.log.error({ err }, 'request failed')
    else if (level === 'warn') request.log.warn({ code: body.code, statusCode, reason: err.message }, 'request not served')
    else request.log.info({ code: body.code, statusCode }, 'request refused')
    reply.code(statusCode).send(body)
  })

  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    // Time from the request's arrival to its answer, as the service saw it (W3C Server-Timing).
    reply.header('server-timing', `total;dur=${reply.elapsedTime.toFixed(1)}`)
    done(null, payload)
  })
  await fastify.register(healthRoutes)
  await fastify.register(metricsRoutes)
  await fastify.register(scoreRoutes)
  await fastify.register(rulesRoutes)
  await fastify.register(feedbackRoutes)
  await fastify.register(itemRoutes)
  await fastify.register(insightsRoutes)
  await fastify.register(bankRoutes)
  await fastify.register(policyRoutes)
  await fastify.register(adminRoutes)
  await fastify.register(consoleRoutes)
}

/**
 * How loud a failed request is logged: an unexpected failure is an error (with its stack); a 5xx the service
 * chose to answer (overloaded, a store unavailable, contention: the caller retries) is a warning without a
 * stack, so that shedding under overload does not flood the log with traces; a refused request is info.
 */
export function errorLogLevel(err: Error, statusCode: number): 'error' | 'warn' | 'info' {
  if (statusCode < 500) return 'info'
  return err instanceof FeedguardError ? 'warn' : 'error'
}

/** Maps every error to the API's error shape with a stable code; 5xx internals are never shown. */
export function toErrorResponse(err: FastifyError): { statusCode: number; body: ErrorBody } {
  if (err instanceof FeedguardError) {
    return { statusCode: err.statusCode, body: errorBody(err.statusCode, err.code, err.message, err.details) }
  }
  if (Array.isArray(err.validation)) {
    const where = err.validationContext ?? 'body'
    const details = err.validation.map((issue) => ({
      path: [where, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message ?? 'invalid'
    }))
    const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ')
    return { statusCode: 400, body: errorBody(400, 'FG_VALIDATION', `invalid request: ${summary}`, details) }
  }
  const statusCode = err.statusCode ?? 500
  if (statusCode === 413) {
    return { statusCode, body: errorBody(413, 'FG_PAYLOAD_TOO_LARGE', 'request body is larger than the configured limit') }
  }
  if (statusCode === 415) return { statusCode, body: errorBody(415, 'FG_UNSUPPORTED_MEDIA_TYPE', err.message) }
  if (statusCode >= 400 && statusCode < 500) {
    const badJson = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    const code = badJson ? 'FG_BAD_JSON' : 'FG_BAD_REQUEST'
    return { statusCode, body: errorBody(statusCode, code, err.message) }
  }
  return { statusCode: 500, body: errorBody(500, 'FG_INTERNAL', 'internal error') }
}
