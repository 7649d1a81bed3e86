import { test } from 'node:test'
import assert from 'node:assert/strict'
import { natsMessageId, natsSubject } from '../../src/live/sinks/nats-message.ts'
import { liveEvent } from '../helpers/listed-live-feed.ts'

const DATE = 1_751_371_200

test('subjects are <prefix>.<event>.<channel id>', () => {
  assert.equal(natsSubject('telegram', liveEvent('message', 1234567890, 42, DATE)), 'telegram.message.1234567890')
  assert.equal(natsSubject('acme.tg', liveEvent('delete', 5, 1, DATE)), 'acme.tg.delete.5')
})

test('a post is named by channel and message id, an edit also by its edit date', () => {
  assert.equal(natsMessageId(liveEvent('message', 1234567890, 42, DATE)), '1234567890:42')
  assert.equal(natsMessageId(liveEvent('edit', 1234567890, 42, DATE)), `1234567890:42:edit:${DATE}`)
  assert.notEqual(natsMessageId(liveEvent('edit', 1234567890, 42, DATE)), natsMessageId(liveEvent('edit', 1234567890, 42, DATE + 1)), 'a second edit is another event')
})

test('the same event sent twice has the same name, whatever its cursor', () => {
  const first = liveEvent('message', 7, 9, DATE)
  const again = liveEvent('message', 7, 9, DATE)
  assert.notEqual(first.id, again.id)
  assert.equal(natsMessageId(first), natsMessageId(again))
})

test('a deletion is named by its channel and ids; a long list by its digest', () => {
  assert.equal(natsMessageId(liveEvent('delete', 7, 3, DATE, [3, 4, 5])), '7:delete:3,4,5')
  const many = Array.from({ length: 100 }, (_, i) => 1_000_000 + i)
  const id = natsMessageId(liveEvent('delete', 7, 3, DATE, many))
  assert.match(id, /^7:delete:sha256-[0-9a-f]{64}$/)
  assert.equal(id, natsMessageId(liveEvent('delete', 7, 3, DATE, [...many])))
})
