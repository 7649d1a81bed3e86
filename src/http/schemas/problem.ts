import { STATUS_CODES } from 'node:http'
import { Type } from 'typebox'
import { AppError, ERROR_CATALOG, toProblem, type ErrorCode } from '../../core/errors.ts'

/** RFC 9457 problem details, with FastAPI's `detail` and a stable machine `code`. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI reference identifying the problem type', examples: ['about:blank'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong, for a person' }),
    code: Type.String({ description: 'Stable machine-readable code (the catalog: README, Errors)' }),
  },
  { $id: 'Problem', additionalProperties: true },
)

export const problemRef = Type.Ref('Problem')

/** The codes a route answers with each problem status. */
export type ProblemCodes = { readonly [status: number]: readonly ErrorCode[] }

/** Telegram's refusals and outages, which every route that reaches Telegram can meet. */
export const TELEGRAM_PROBLEMS = { 429: ['FLOOD_WAIT'], 502: ['TELEGRAM_ERROR'], 503: ['TELEGRAM_UNAVAILABLE'] } as const satisfies ProblemCodes

/**
 * The problem statuses of a route as a response map. Each status is documented as
 * `application/problem+json` with one example per code it can carry (the catalog's own
 * document), so the documentation names the right codes rather than one generic example.
 */
export function problems<const C extends ProblemCodes>(codes: C): { [K in keyof C]: { description: string, content: { 'application/problem+json': { schema: typeof problemRef, examples: Record<string, unknown> } } } } {
  return Object.fromEntries(Object.entries(codes).map(([status, list]) => {
    for (const code of list) {
      if (ERROR_CATALOG[code].status !== Number(status)) throw new Error(`${code} is not a ${status}`)
    }
    const examples = Object.fromEntries(list.map((code) => [code, { summary: code, value: toProblem(new AppError(code)) }]))
    return [status, {
      description: `${STATUS_CODES[Number(status)] ?? 'Error'}: ${list.join(', ')}`,
      content: { 'application/problem+json': { schema: problemRef, examples } },
    }]
  })) as { [K in keyof C]: { description: string, content: { 'application/problem+json': { schema: typeof problemRef, examples: Record<string, unknown> } } } }
}
