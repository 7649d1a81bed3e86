import { test } from 'node:test'
import assert from 'node:assert/strict'
import { redactMtcuteText } from '../../src/telegram/calls/mtcute-log.ts'

test('a TL object mtcute dumps as JSON is reduced to its type name, and its fields are gone', () => {
  const line = '[USER n/a] [DC 2] [MAIN] received rpc_result for unknown message 7714425176490019314: '
    + '{"_":"auth.authorization","user":{"_":"user","id":777000,"phone":"15557003456","firstName":"A \\"quoted\\" {name}"}}'
  assert.equal(redactMtcuteText(line), '[USER n/a] [DC 2] [MAIN] received rpc_result for unknown message 7714425176490019314: [auth.authorization]')
})

test('JSON without a type name, and arrays with strings, become [object]; bytes in hex become [bytes]', () => {
  assert.equal(redactMtcuteText('unknown message received: {"phone":"15557003456"} and ["a","b"]'), 'unknown message received: [object] and [object]')
  assert.equal(redactMtcuteText('received message before authorization: 0123456789abcdef0123456789ABCDEF'), 'received message before authorization: [bytes]')
})

test('what names the event stays: prefixes, method names, error texts, message ids and lists of numbers', () => {
  const line = '[DC 2 @ 127.0.0.1:443] received 420 FLOOD_WAIT_%d for non-chained request 123456 [1, 2, 3] {}'
  assert.equal(redactMtcuteText(line), line)
})
