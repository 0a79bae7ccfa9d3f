import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifySchema } from 'fastify'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { ErrorResponseSchema } from '../../api/schemas/common.js'
import { requiredScope } from '../../auth/keys.js'

type TransformInput = Parameters<typeof jsonSchemaTransform>[0]

/** `GET /v1/banks/:bank/entries` → `getV1BanksBankEntries`: for a route that names no operationId of its own. */
export const operationIdOf = (method: string, url: string) =>
  [method.toLowerCase(), ...url.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1))].join('')

/**
 * What the document says about access, from the same route options the auth hook reads: public
 * operations have no security; the others the bearer scheme, their scope (`x-required-scope`, and in
 * the description) and the 401 and 403 answers. Every operation gets an operationId.
 */
export function documentAccess(input: TransformInput): TransformInput {
  const { route, url } = input
  const schema: FastifySchema & Record<string, unknown> = { ...input.schema }
  schema.operationId ??= operationIdOf([route.method].flat()[0]!, url)
  const scope = requiredScope(route.config ?? {}, url)
  if (scope === undefined) {
    if (route.config?.public) schema.security = []
    return { ...input, schema }
  }
  const needs = `Needs an API key with the scope \`${scope}\`${scope === 'admin' ? '' : ' (or `admin`)'}.`
  schema.description = schema.description ? `${schema.description}\n\n${needs}` : needs
  schema.security = [{ bearer: [] }]
  schema['x-required-scope'] = scope
  schema.response = { ...(schema.response as object), 401: ErrorResponseSchema, 403: ErrorResponseSchema }
  return { ...input, schema }
}

/** The OpenAPI document, generated from the routes' zod schemas (`GET /openapi.json`), and `/docs` unless DOCS_ENABLED=false. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'feedguard',
          description: 'Content filtering for feeds: allow / blur / hide per item, per user, in milliseconds.',
          version: '1',
          license: { name: 'MIT', identifier: 'MIT' }
        },
        // Relative: the document describes the service that serves it.
        servers: [{ url: '/', description: 'this service' }],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API key secret (`Authorization: Bearer <secret>`); AUTH_KEYS_FILE lists the keys and their scopes.'
            }
          }
        }
      },
      transform: (input) => jsonSchemaTransform(documentAccess(input)),
      transformObject: jsonSchemaTransformObject
    })
    if (app.config.DOCS_ENABLED) await app.register(swaggerUi, { routePrefix: '/docs' })
    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'swagger', dependencies: ['config'], fastify: '5.x' }
)
