import { Type } from 'typebox'

/** RFC 9457 problem details, with FastAPI's `detail` and a stable machine `code`. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI reference identifying the problem type', examples: ['about:blank'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong, for a person' }),
    code: Type.String({ description: 'Stable machine-readable code', examples: ['PHONE_CODE_INVALID'] }),
  },
  { $id: 'Problem', additionalProperties: true },
)

export const problemRef = Type.Ref('Problem')

/** The statuses a route answers with a problem document, as a response map: `{ 401: problemRef, … }`. */
export function problems<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof problemRef } {
  return Object.fromEntries(statuses.map((status) => [status, problemRef])) as { [K in S[number]]: typeof problemRef }
}
