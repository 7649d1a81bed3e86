/**
 * The live cursor's codec (src/live/live-cursor.ts, pure): an event's cursor begins with its
 * event id and decodes to the same place as the bare form a sink's start record uses; what this
 * service did not write is refused.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeCursor, encodeCursor, eventCursor, type LiveCursor } from '../../src/live/live-cursor.ts'

const PLACE: LiveCursor = { epoch: 'k3x9', seq: 42, live: true, origin: 1_751_371_200, positions: new Map([[2200000548, 431], [2200001688, 7]]) }

test('an event cursor is the event id, a slash, then the place; both forms decode to the place', () => {
  const text = eventCursor('2200000548:431:edit:902', PLACE)
  assert.ok(text.startsWith('2200000548:431:edit:902/'))
  assert.deepEqual(decodeCursor(text), PLACE)
  assert.deepEqual(decodeCursor(encodeCursor(PLACE)), PLACE)
})

test('what this service did not write is refused', () => {
  for (const text of ['', 'not a cursor', 'a/b/c', `x y/${encodeCursor(PLACE)}`, Buffer.from('2~k~1~L~0~').toString('base64url')]) assert.equal(decodeCursor(text), null, text)
})
