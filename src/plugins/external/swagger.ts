import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

/** The OpenAPI document, generated from the routes' zod schemas (`GET /openapi.json`), and `/docs` unless DOCS_ENABLED=false. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'feedguard',
          description: 'Content filtering for feeds: allow / blur / hide per item, per user, in milliseconds.',
          version: '1'
        }
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject
    })
    if (app.config.DOCS_ENABLED) await app.register(swaggerUi, { routePrefix: '/docs' })
    app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'swagger', dependencies: ['config'], fastify: '5.x' }
)
