import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chooseLogFormat } from '../src/core/logger.ts'

test('logs are pretty on a terminal and JSON lines when piped', () => {
  assert.equal(chooseLogFormat(null, true, {}), 'pretty')
  assert.equal(chooseLogFormat(null, false, {}), 'json')
})

test('under CI logs are JSON lines even on a terminal, unless CI is false or empty', () => {
  assert.equal(chooseLogFormat(null, true, { CI: 'true' }), 'json')
  assert.equal(chooseLogFormat(null, true, { CI: '1' }), 'json')
  assert.equal(chooseLogFormat(null, true, { CI: 'false' }), 'pretty')
  assert.equal(chooseLogFormat(null, true, { CI: '' }), 'pretty')
})

test('LOG_FORMAT decides over the terminal and CI alike', () => {
  assert.equal(chooseLogFormat('json', true, {}), 'json')
  assert.equal(chooseLogFormat('pretty', false, { CI: 'true' }), 'pretty')
})
