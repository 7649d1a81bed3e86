/**
 * Event ids (src/live/event-id.ts) and their use as `Nats-Msg-Id`: one per event, the same for
 * the same event whatever its cursor, different for two edits of one message in one second.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deleteEventId, editEventId, messageEventId, resetEventId } from '../../src/live/event-id.ts'
import { natsMessageId, natsSubject } from '../../src/live/sinks/nats-message.ts'
import { liveEvent } from '../helpers/listed-live-feed.ts'

const DATE = 1_751_371_200

test('subjects are <prefix>.<event>.<channel id>', () => {
  assert.equal(natsSubject('telegram', liveEvent('message', 1234567890, 42, DATE)), 'telegram.message.1234567890')
  assert.equal(natsSubject('acme.tg', liveEvent('delete', 5, 1, DATE)), 'acme.tg.delete.5')
})

test('a post is named by channel and message id; an edit by its pts, so two edits in one second differ', () => {
  assert.equal(messageEventId(1234567890, 42), '1234567890:42')
  assert.equal(editEventId(1234567890, 42, 431, DATE), '1234567890:42:edit:431')
  assert.notEqual(editEventId(1234567890, 42, 431, DATE), editEventId(1234567890, 42, 432, DATE))
  assert.equal(editEventId(7, 42, 0, DATE), `7:42:edit:d${DATE}`, 'without a pts, its edit date')
})

test('a deletion is named by its pts (or its ids; a long list by its digest); a reset by its window', () => {
  assert.equal(deleteEventId(7, 433, [3, 4, 5]), '7:delete:433')
  assert.equal(deleteEventId(7, 0, [3, 4, 5]), '7:delete:3,4,5')
  const many = Array.from({ length: 100 }, (_, i) => 1_000_000 + i)
  assert.match(deleteEventId(7, 0, many), /^7:delete:sha256-[0-9a-f]{64}$/)
  assert.equal(resetEventId(7, 100, 200), '7:reset:100-200')
})

test('Nats-Msg-Id is the event id: the same event sent twice has the same one, whatever its cursor', () => {
  const first = liveEvent('message', 7, 9, DATE)
  const again = liveEvent('message', 7, 9, DATE)
  assert.notEqual(first.id, again.id)
  assert.equal(natsMessageId(first), natsMessageId(again))
  assert.equal(natsMessageId(first), first.eventId)
})
