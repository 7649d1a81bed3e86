import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseChannelName, parseLink, parseUsername } from '../../src/core/channel-reference.ts'

test('public links in every form Telegram writes them name the username', () => {
  for (const link of [
    'https://t.me/durov',
    'http://t.me/durov/',
    't.me/durov',
    'https://telegram.me/durov',
    'https://telegram.dog/durov?start=1',
    'https://t.me/durov/123',
    'https://t.me/s/durov',
    'tg://resolve?domain=durov',
    '  https://T.ME/durov  ',
  ]) {
    assert.deepEqual(parseLink(link), { kind: 'username', username: 'durov' }, link)
  }
})

test('invite links in the +hash, joinchat and tg://join forms name the hash', () => {
  for (const link of ['https://t.me/+AbC_d-123', 't.me/+AbC_d-123', 'https://t.me/%2BAbC_d-123', 'https://t.me/joinchat/AbC_d-123', 'tg://join?invite=AbC_d-123']) {
    assert.deepEqual(parseLink(link), { kind: 'invite', hash: 'AbC_d-123' }, link)
  }
})

test('anything else is not a link to a chat', () => {
  for (const link of ['', 'durov', 'https://example.com/durov', 'https://t.me/', 'https://t.me/+', 'https://t.me/joinchat', 'https://t.me/+a b', 'ftp://t.me/durov', 'tg://msg?to=1', 'https://t.me/1durov', 'http://[::1', 'https://t.me/%E0%A4%A']) {
    assert.equal(parseLink(link), null, link)
  }
})

test('usernames may carry an @ and must start with a letter', () => {
  assert.equal(parseUsername('@durov'), 'durov')
  assert.equal(parseUsername('Canal_1'), 'Canal_1')
  for (const bad of ['', '@', '1abc', 'a', 'has space', 'a'.repeat(33), 'dash-ed']) assert.equal(parseUsername(bad), null, bad)
})

test('channel names are usernames, bare ids or -100-prefixed ids, written back as given', () => {
  assert.deepEqual(parseChannelName('durov'), { kind: 'username', username: 'durov', written: 'durov' })
  assert.deepEqual(parseChannelName('@durov'), { kind: 'username', username: 'durov', written: '@durov' })
  assert.deepEqual(parseChannelName('1234567890'), { kind: 'id', id: 1234567890, written: '1234567890' })
  assert.deepEqual(parseChannelName('-1001234567890'), { kind: 'id', id: 1234567890, written: '-1001234567890' })
  // A basic group's marked id (-<id>), zero, and ids beyond 2^53 are no channel.
  for (const bad of ['-1234', '0', '-100', '-1000', '99999999999999999', '12ab', '']) assert.equal(parseChannelName(bad), null, bad)
})
