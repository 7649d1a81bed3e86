/**
 * Assertions on RFC 9457 problem responses: the media type, the members clients read (`status`,
 * the stable `code`, FastAPI's `detail`), never the wording.
 */
import assert from 'node:assert/strict'

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  code: string
}

/** Asserts `response` is `status` with `application/problem+json` carrying `code`; returns the body. */
export async function assertProblem(response: Response, status: number, code: string): Promise<ProblemBody> {
  const text = await response.text()
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${text}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json\b/)
  const body = JSON.parse(text) as ProblemBody
  assert.equal(body.status, status)
  assert.equal(body.code, code)
  assert.equal(typeof body.detail, 'string')
  assert.ok(body.detail.length > 0)
  assert.equal(typeof body.title, 'string')
  return body
}
