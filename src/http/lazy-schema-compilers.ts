/**
 * Fastify's own schema compilers (Ajv for validation, fast-json-stringify for responses), each
 * route's schema compiled at its first use instead of at start-up. Fastify compiles every
 * route's validators and serializers before it listens, and that is most of what building the
 * app costs: a start whose first request is GET /health need not wait for the rest.
 *
 * The compilers, their options and the shared schemas are Fastify's defaults, unchanged; only
 * the moment moves. A schema that cannot compile therefore fails at its route's first use (a
 * 500), not at start-up: test/http/schemas-compile.test.ts compiles every route's schemas.
 */
import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

/** What Fastify gives a compiler for one schema of one route. */
interface RouteSchema { schema: unknown; method: string; url: string; httpPart?: string }
/** A factory as Fastify calls it: the shared schemas and the compiler's options, then one schema at a time. */
type Factory<Compiled> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Compiled

type Validator = ((...args: unknown[]) => unknown) & { errors?: unknown }
type Serializer = (data: unknown) => string

/** A validator compiled at its first call; Fastify reads a failed validation's `errors` off the function it holds. */
function lazyValidator(compile: () => Validator): Validator {
  let validate: Validator | undefined
  const lazy: Validator = function (this: unknown, ...args: unknown[]) {
    validate ??= compile()
    const result = validate.apply(this, args)
    lazy.errors = validate.errors
    return result
  }
  return lazy
}

function lazySerializer(compile: () => Serializer): Serializer {
  let serialize: Serializer | undefined
  return (data) => (serialize ??= compile())(data)
}

/** Each compiled on demand, and the compiler itself (an Ajv instance with the shared schemas) built at the first. */
function lazyFactory<Compiled>(factory: Factory<Compiled>, lazy: (compile: () => Compiled) => Compiled): Factory<Compiled> {
  return (externalSchemas, options) => {
    let compiler: ((route: RouteSchema) => Compiled) | undefined
    return (route) => lazy(() => (compiler ??= factory(externalSchemas, options))(route))
  }
}

export function lazyCompilersFactory(): CompilersFactory {
  return {
    buildValidator: lazyFactory(AjvCompiler() as unknown as Factory<Validator>, lazyValidator) as unknown as CompilersFactory['buildValidator'],
    buildSerializer: lazyFactory(SerializerSelector() as unknown as Factory<Serializer>, lazySerializer) as unknown as CompilersFactory['buildSerializer'],
  }
}
