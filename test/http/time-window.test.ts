import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTime, parseWindow } from '../../src/core/time-window.ts'

const ms = (iso: string): number => Date.parse(iso)

test('ISO 8601 times with Z, offsets, fractions and no offset parse to the same instant rules as pydantic', () => {
  assert.deepEqual(parseTime('2025-07-01T12:34:56Z'), { ok: true, ms: ms('2025-07-01T12:34:56Z') })
  assert.deepEqual(parseTime('2025-07-01T12:34:56+02:00'), { ok: true, ms: ms('2025-07-01T10:34:56Z') })
  assert.deepEqual(parseTime('2025-07-01T12:34:56-0130'), { ok: true, ms: ms('2025-07-01T14:04:56Z') })
  assert.deepEqual(parseTime('2025-07-01 12:34'), { ok: true, ms: ms('2025-07-01T12:34:00Z') })
  assert.deepEqual(parseTime('2025-07-01T12:34:56.789123'), { ok: true, ms: ms('2025-07-01T12:34:56.789Z') })
  assert.deepEqual(parseTime('2025-07-01'), { ok: true, ms: ms('2025-07-01T00:00:00Z') })
  assert.deepEqual(parseTime('1751373296'), { ok: true, ms: 1751373296000 })
})

test('impossible dates and garbage are rejected with a reason', () => {
  for (const bad of ['', 'yesterday', '2025-02-30T00:00:00Z', '2025-13-01', '2025-07-01T25:00:00Z', '2025-07-01T12:00:00+25:00', '0001-01-01T00:00:00Z', '1e400', '2025-07-01T12:00:00Zjunk']) {
    const result = parseTime(bad)
    assert.equal(result.ok, false, bad)
    if (!result.ok) assert.ok(result.reason.length > 0)
  }
})

test('the window defaults its end to now and requires start before end', () => {
  const now = ms('2025-07-08T00:00:00Z')
  assert.deepEqual(parseWindow('2025-07-01T00:00:00Z', undefined, now), {
    ok: true,
    window: { startMs: ms('2025-07-01T00:00:00Z'), endMs: now },
  })
  assert.deepEqual(parseWindow('2025-07-02T00:00:00Z', '2025-07-01T00:00:00Z', now), {
    ok: false,
    field: 'start_time',
    reason: 'start_time must be before end_time',
  })
  assert.equal(parseWindow('2025-07-01T00:00:00Z', '2025-07-01T00:00:00Z', now).ok, false)
  const badEnd = parseWindow('2025-07-01T00:00:00Z', 'soon', now)
  assert.equal(badEnd.ok === false && badEnd.field, 'end_time')
})
