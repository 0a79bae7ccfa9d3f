import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyRouteSchemaDef, FastifyValidationResult } from 'fastify/types/schema.js'
import { z } from 'zod'

// `unicode: false`: string lengths in UTF-16 units, as zod counts them (and without walking every string).
// Ajv still honours it (a test checks) but calls it deprecated on every start; its logger is off for that:
// the schemas are the service's own, compiled at start-up and tested.
const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false, unicode: false, logger: false })
addFormats.default(ajv, ['uri'])
// The schema's own pattern checks base64; the format is only an annotation here.
ajv.addFormat('base64', true)

/**
 * A validator compiled from a route's zod schema through its JSON Schema, for the hot path: the zod
 * schema stays the single definition (and feeds the OpenAPI document), while validating a batch of
 * 50 items costs a few microseconds instead of most of the request's budget. Refinements that JSON
 * Schema cannot express are checked by the route itself.
 */
export function jsonSchemaValidatorCompiler<T>({ schema }: FastifyRouteSchemaDef<T>): FastifyValidationResult {
  const zodSchema = schema as unknown as z.ZodType
  const validate = ajv.compile(z.toJSONSchema(zodSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' }))
  return (data: unknown) => {
    if (validate(data)) return { value: data }
    // Ajv always lists its errors when validation fails.
    const error = Object.assign(new Error('invalid request'), { validation: toIssues(validate.errors!) })
    return { error }
  }
}

/** Ajv's errors in the shape Fastify reports: a path per problem; a missing or unknown property is named in the path. */
function toIssues(errors: ErrorObject[]) {
  return errors.map((error) => {
    if (error.keyword === 'required') return { instancePath: `${error.instancePath}/${String(error.params.missingProperty)}`, message: 'required' }
    if (error.keyword === 'additionalProperties') {
      return { instancePath: `${error.instancePath}/${String(error.params.additionalProperty)}`, message: 'unknown field' }
    }
    return { instancePath: error.instancePath, message: String(error.message) }
  })
}
