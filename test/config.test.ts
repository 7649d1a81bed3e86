import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, isLoopbackHost, loadConfig, parseSessionUrl } from '../src/config/config.ts'
import { leaseTiming } from '../src/sessions/lease-timing.ts'

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    assert.doesNotMatch(err.message, /\n/)
    return err
  }
  assert.fail('loadConfig accepted the environment')
}

test('an empty environment gives the documented defaults in sandbox mode', () => {
  const config = loadConfig({})
  assert.deepEqual({ ...config }, {
    port: 5000,
    host: '127.0.0.1',
    sandbox: true,
    apiId: null,
    apiHash: null,
    telegramDc: null,
    telegramDcAddresses: {},
    telegramPublicKey: null,
    sessionUrl: { scheme: 'file', path: './data/session', href: 'file:./data/session' },
    s3Endpoint: null,
    apiToken: null,
    allowUnauthenticated: false,
    sessionLockWaitSeconds: 45,
    sessionLeaseTtlSeconds: 30,
    httpHeadersTimeoutSeconds: 10,
    httpRequestTimeoutSeconds: 30,
    floodWaitMaxSeconds: 300,
    floodWaitThresholdSeconds: 60,
    sessionEncryptionKey: null,
    logLevel: 'info',
    webhook: null,
    nats: null,
    liveChannels: null,
    sinkStartAt: null,
    logFormat: null,
    allowedHosts: [],
    corsOrigins: [],
  })
})

test('ALLOWED_HOSTS takes host names (HOST too, when it is a name) and CORS_ORIGINS takes exact origins', () => {
  const config = loadConfig({ ALLOWED_HOSTS: 'Connector.Example.com., api.internal', HOST: 'box.lan', API_TOKEN: 't', CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000/' })
  assert.deepEqual(config.allowedHosts, ['connector.example.com', 'api.internal', 'box.lan'])
  assert.deepEqual(config.corsOrigins, ['https://dash.example.com', 'http://localhost:3000'])
  assert.ok(Object.isFrozen(config.allowedHosts) && Object.isFrozen(config.corsOrigins))
  assert.deepEqual(loadConfig({ ALLOWED_HOSTS: '*' }).allowedHosts, ['*'])
  for (const bad of ['host:5000', 'http://host', 'a b', '*.example.com']) assert.equal(configError({ ALLOWED_HOSTS: bad }).variable, 'ALLOWED_HOSTS')
  for (const bad of ['*', 'dash.example.com', 'https://dash.example.com/app', 'ftp://x', 'null']) assert.equal(configError({ CORS_ORIGINS: bad }).variable, 'CORS_ORIGINS')
})

test('the config and its nested values are frozen', () => {
  const config = loadConfig({ TELEGRAM_DC: '127.0.0.1:4430' })
  assert.ok(Object.isFrozen(config))
  assert.ok(Object.isFrozen(config.sessionUrl))
  assert.ok(Object.isFrozen(config.telegramDc))
})

test('PORT accepts 1..65535 and rejects anything else naming the variable', () => {
  assert.equal(loadConfig({ PORT: '8080' }).port, 8080)
  assert.equal(loadConfig({ PORT: '1' }).port, 1)
  assert.equal(loadConfig({ PORT: '65535' }).port, 65535)
  assert.equal(configError({ PORT: 'abc' }).message, 'PORT must be an integer between 1 and 65535, got "abc"')
  for (const bad of ['0', '65536', '-1', '80.5', ' 80', '1e3']) {
    const err = configError({ PORT: bad })
    assert.equal(err.variable, 'PORT')
    assert.match(err.message, /^PORT /)
  }
})

test('an empty variable counts as unset', () => {
  const config = loadConfig({ PORT: '', HOST: '', API_ID: '', LOG_LEVEL: '', SESSION_URL: '' })
  assert.equal(config.port, 5000)
  assert.equal(config.host, '127.0.0.1')
  assert.equal(config.sandbox, true)
  assert.equal(config.logLevel, 'info')
  assert.equal(config.sessionUrl.href, 'file:./data/session')
})

test('API_ID unset or 0 is sandbox mode; a real API_ID needs API_HASH', () => {
  assert.equal(loadConfig({ API_ID: '0', API_HASH: 'ignored' }).sandbox, true)
  assert.equal(loadConfig({ API_ID: '0' }).apiHash, null)
  const real = loadConfig({ API_ID: '123456', API_HASH: '0123456789abcdef0123456789abcdef' })
  assert.equal(real.sandbox, false)
  assert.equal(real.apiId, 123456)
  assert.equal(real.apiHash, '0123456789abcdef0123456789abcdef')
  assert.equal(configError({ API_ID: '123456' }).variable, 'API_HASH')
  assert.equal(configError({ API_ID: 'twelve' }).message, 'API_ID must be a positive integer (or 0 for sandbox mode), got "twelve"')
  assert.equal(configError({ API_ID: '99999999999' }).variable, 'API_ID')
})

test('TELEGRAM_DC host:port is the default DC, DC 2, with IPv6 in brackets', () => {
  assert.deepEqual(loadConfig({ TELEGRAM_DC: '127.0.0.1:4430' }).telegramDc, { id: 2, host: '127.0.0.1', port: 4430 })
  assert.deepEqual(loadConfig({ TELEGRAM_DC: '127.0.0.1:4430' }).telegramDcAddresses, { 2: { host: '127.0.0.1', port: 4430 } })
  assert.deepEqual(loadConfig({ TELEGRAM_DC: 'dc.example.test:443' }).telegramDc, { id: 2, host: 'dc.example.test', port: 443 })
  assert.deepEqual(loadConfig({ TELEGRAM_DC: '[::1]:443' }).telegramDc, { id: 2, host: '::1', port: 443 })
  for (const bad of ['127.0.0.1', ':443', '127.0.0.1:0', 'host:70000', '::1:443', '[zz]:443', 'a b:1']) {
    assert.equal(configError({ TELEGRAM_DC: bad }).variable, 'TELEGRAM_DC', bad)
  }
})

test('TELEGRAM_DC id=host:port entries name DCs by id, the first being where a sign-in starts', () => {
  const config = loadConfig({ TELEGRAM_DC: '4=127.0.0.1:4434, 2=[::1]:4432' })
  assert.deepEqual(config.telegramDc, { id: 4, host: '127.0.0.1', port: 4434 })
  assert.deepEqual(config.telegramDcAddresses, { 2: { host: '::1', port: 4432 }, 4: { host: '127.0.0.1', port: 4434 } })
  for (const bad of ['2=127.0.0.1:1,127.0.0.1:2', '2=a:1,2=b:2', '0=a:1', 'x=a:1', '2=a:1,']) {
    assert.equal(configError({ TELEGRAM_DC: bad }).variable, 'TELEGRAM_DC', bad)
  }
})

test('TELEGRAM_PUBLIC_KEY is read at load, and a missing or non-key file is an error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'config-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 65537 })
  const pem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  const keyPath = join(dir, 'server.pub')
  writeFileSync(keyPath, pem)
  assert.equal(loadConfig({ TELEGRAM_PUBLIC_KEY: keyPath }).telegramPublicKey, pem)

  const missing = configError({ TELEGRAM_PUBLIC_KEY: join(dir, 'absent.pub') })
  assert.equal(missing.variable, 'TELEGRAM_PUBLIC_KEY')
  assert.match(missing.message, /cannot be read \(ENOENT\)/)

  const notKey = join(dir, 'notes.txt')
  writeFileSync(notKey, 'hello')
  assert.match(configError({ TELEGRAM_PUBLIC_KEY: notKey }).message, /^TELEGRAM_PUBLIC_KEY file ".*" is not an RSA public key/)
})

test('SESSION_URL accepts file: paths and s3://bucket/key', () => {
  assert.deepEqual(parseSessionUrl('file:/var/lib/tc/session'), { scheme: 'file', path: '/var/lib/tc/session', href: 'file:/var/lib/tc/session' })
  assert.deepEqual(parseSessionUrl('file:///var/lib/tc/session'), { scheme: 'file', path: '/var/lib/tc/session', href: 'file:///var/lib/tc/session' })
  assert.deepEqual(parseSessionUrl('s3://my-bucket/sessions/prod'), { scheme: 's3', bucket: 'my-bucket', key: 'sessions/prod', href: 's3://my-bucket/sessions/prod' })
  assert.deepEqual(loadConfig({ SESSION_URL: 's3://b.example/k' }).sessionUrl, { scheme: 's3', bucket: 'b.example', key: 'k', href: 's3://b.example/k' })
})

test('an unparseable SESSION_URL is an error naming the variable', () => {
  for (const bad of ['./data/session', 'file:', 's3://bucket', 's3://bucket/', 's3://Bad_Bucket/key', 's3:///key', 'http://x/y']) {
    const err = configError({ SESSION_URL: bad })
    assert.equal(err.variable, 'SESSION_URL', bad)
    assert.match(err.message, /^SESSION_URL must be file:<path> or s3:\/\/<bucket>\/<key>/)
  }
})

test('a custom S3 endpoint is read from AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL', () => {
  assert.equal(loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' }).s3Endpoint, 'http://127.0.0.1:9000')
  assert.equal(loadConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'https://s3.b' }).s3Endpoint, 'https://s3.b')
  assert.equal(configError({ AWS_ENDPOINT_URL_S3: 'not a url' }).variable, 'AWS_ENDPOINT_URL_S3')
  assert.equal(configError({ AWS_ENDPOINT_URL: 'ftp://x' }).variable, 'AWS_ENDPOINT_URL')
})

test('a non-loopback HOST needs API_TOKEN unless ALLOW_UNAUTHENTICATED=true', () => {
  const err = configError({ HOST: '0.0.0.0' })
  assert.equal(err.variable, 'API_TOKEN')
  assert.match(err.message, /HOST is "0\.0\.0\.0"/)
  assert.equal(configError({ HOST: '::' }).variable, 'API_TOKEN')
  assert.equal(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 's3cret' }).apiToken, 's3cret')
  const open = loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' })
  assert.equal(open.allowUnauthenticated, true)
  assert.equal(open.apiToken, null)
  assert.equal(loadConfig({ HOST: '::1' }).host, '::1')
  assert.equal(loadConfig({ HOST: 'localhost' }).host, 'localhost')
  assert.equal(configError({ ALLOW_UNAUTHENTICATED: 'yes' }).variable, 'ALLOW_UNAUTHENTICATED')
})

test('loopback detection covers 127/8, ::1, localhost and IPv4-mapped loopback only', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host)
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(host), false, host)
})

test('SESSION_ENCRYPTION_KEY takes 32 bytes as hex or base64 and never echoes the value', () => {
  const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7))
  assert.deepEqual(loadConfig({ SESSION_ENCRYPTION_KEY: bytes.toString('hex') }).sessionEncryptionKey, bytes)
  assert.deepEqual(loadConfig({ SESSION_ENCRYPTION_KEY: bytes.toString('base64') }).sessionEncryptionKey, bytes)
  assert.deepEqual(loadConfig({ SESSION_ENCRYPTION_KEY: bytes.toString('base64url') }).sessionEncryptionKey, bytes)
  for (const bad of ['abcd', bytes.subarray(0, 31).toString('hex'), Buffer.alloc(33).toString('base64'), 'z'.repeat(64)]) {
    const err = configError({ SESSION_ENCRYPTION_KEY: bad })
    assert.equal(err.variable, 'SESSION_ENCRYPTION_KEY')
    assert.ok(!err.message.includes(bad), 'the key must not appear in the message')
  }
})

test('LOG_LEVEL accepts the pino levels only', () => {
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
    assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level)
  }
  assert.equal(configError({ LOG_LEVEL: 'verbose' }).message, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"')
})

test('LOG_FORMAT is json or pretty; unset leaves the choice to the terminal', () => {
  assert.equal(loadConfig({}).logFormat, null)
  assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json')
  assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty')
  assert.equal(configError({ LOG_FORMAT: 'text' }).message, 'LOG_FORMAT must be json or pretty, got "text"')
})

test('secrets never appear in configuration errors', () => {
  const err = configError({ HOST: '10.1.1.1', API_ID: '5', API_HASH: 'hash-secret-value' })
  assert.doesNotMatch(err.message, /hash-secret-value/)
  assert.equal(loadConfig({ API_TOKEN: 'tok' }).apiToken, 'tok')
})

test('a value with control characters is quoted so the message stays on one line', () => {
  const err = configError({ PORT: '80\n81' })
  assert.equal(err.message, 'PORT must be an integer between 1 and 65535, got "80\\n81"')
})

test('FLOOD_WAIT_MAX is whole seconds, 300 by default', () => {
  assert.equal(loadConfig({}).floodWaitMaxSeconds, 300)
  assert.equal(loadConfig({}).floodWaitThresholdSeconds, 60, "Telethon's flood_sleep_threshold")
  assert.equal(loadConfig({ FLOOD_WAIT_THRESHOLD: '10' }).floodWaitThresholdSeconds, 10)
  assert.equal(loadConfig({ FLOOD_WAIT_MAX: '0' }).floodWaitMaxSeconds, 0)
  assert.equal(loadConfig({ FLOOD_WAIT_MAX: '900' }).floodWaitMaxSeconds, 900)
  for (const bad of ['-1', '2.5', 'forever']) {
    assert.throws(() => loadConfig({ FLOOD_WAIT_MAX: bad }), (err: unknown) => err instanceof ConfigError && err.variable === 'FLOOD_WAIT_MAX')
  }
})

test('SESSION_LOCK_WAIT is whole seconds, 45 by default', () => {
  assert.equal(loadConfig({}).sessionLockWaitSeconds, 45)
  assert.equal(loadConfig({ SESSION_LOCK_WAIT: '0' }).sessionLockWaitSeconds, 0)
  assert.equal(loadConfig({ SESSION_LOCK_WAIT: '120' }).sessionLockWaitSeconds, 120)
  for (const bad of ['-1', '1.5', 'soon']) {
    assert.throws(() => loadConfig({ SESSION_LOCK_WAIT: bad }), (err: unknown) => err instanceof ConfigError && err.variable === 'SESSION_LOCK_WAIT')
  }
})

test('SESSION_LEASE_TTL is whole seconds, 30 by default and at least 3; the lease\'s renewals and deadlines follow from it', () => {
  assert.equal(loadConfig({}).sessionLeaseTtlSeconds, 30)
  assert.equal(loadConfig({ SESSION_LEASE_TTL: '3' }).sessionLeaseTtlSeconds, 3)
  assert.deepEqual(leaseTiming(loadConfig({ SESSION_LEASE_TTL: '60' }).sessionLeaseTtlSeconds), { ttlMs: 60_000, renewEveryMs: 20_000, storeDeadlineMs: 10_000, giveUpBeforeMs: 10_000 })
  for (const bad of ['2', '0', '-1', '7.5', 'long']) {
    assert.throws(() => loadConfig({ SESSION_LEASE_TTL: bad }), (err: unknown) => err instanceof ConfigError && err.variable === 'SESSION_LEASE_TTL')
  }
})

test('HTTP_HEADERS_TIMEOUT and HTTP_REQUEST_TIMEOUT are whole seconds, 10 and 30 by default; a request may not be given less time than its headers', () => {
  assert.deepEqual([loadConfig({}).httpHeadersTimeoutSeconds, loadConfig({}).httpRequestTimeoutSeconds], [10, 30])
  const set = loadConfig({ HTTP_HEADERS_TIMEOUT: '2', HTTP_REQUEST_TIMEOUT: '2' })
  assert.deepEqual([set.httpHeadersTimeoutSeconds, set.httpRequestTimeoutSeconds], [2, 2])
  for (const [env, variable] of [
    [{ HTTP_HEADERS_TIMEOUT: '0' }, 'HTTP_HEADERS_TIMEOUT'],
    [{ HTTP_HEADERS_TIMEOUT: 'x' }, 'HTTP_HEADERS_TIMEOUT'],
    [{ HTTP_REQUEST_TIMEOUT: '5' }, 'HTTP_REQUEST_TIMEOUT'],
    [{ HTTP_REQUEST_TIMEOUT: '1.5' }, 'HTTP_REQUEST_TIMEOUT'],
  ] as const) {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.variable === variable)
  }
})

test('WEBHOOK_URL with WEBHOOK_SECRET configures the webhook; either alone, or a bad URL, names the variable', () => {
  assert.deepEqual({ ...loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/telegram?k=1', WEBHOOK_SECRET: 'whsec' }).webhook }, {
    url: 'https://hooks.example.com/telegram?k=1', secret: 'whsec', timeoutMs: 10_000,
  })
  assert.equal(loadConfig({ WEBHOOK_URL: 'http://127.0.0.1:9/', WEBHOOK_SECRET: 's', WEBHOOK_TIMEOUT: '3' }).webhook?.timeoutMs, 3_000)
  assert.equal(configError({ WEBHOOK_URL: 'https://hooks.example.com/' }).variable, 'WEBHOOK_SECRET')
  assert.equal(configError({ WEBHOOK_SECRET: 'whsec' }).variable, 'WEBHOOK_URL')
  for (const url of ['ftp://hooks.example.com/', 'hooks.example.com', 'not a url']) {
    assert.equal(configError({ WEBHOOK_URL: url, WEBHOOK_SECRET: 's' }).variable, 'WEBHOOK_URL', url)
  }
  for (const timeout of ['0', '-1', 'ten', '1.5']) {
    assert.equal(configError({ WEBHOOK_URL: 'https://h.example/', WEBHOOK_SECRET: 's', WEBHOOK_TIMEOUT: timeout }).variable, 'WEBHOOK_TIMEOUT', timeout)
  }
})

test('the webhook secret and credentials in WEBHOOK_URL never appear in configuration errors', () => {
  const err = configError({ WEBHOOK_URL: 'ftp://user:pw-Zq81@hooks.example.com/', WEBHOOK_SECRET: 'whsec-Lx02' })
  assert.doesNotMatch(err.message, /pw-Zq81|whsec-Lx02/)
})

test('NATS_URL configures the NATS sink with the default stream and subject prefix', () => {
  assert.deepEqual({ ...loadConfig({ NATS_URL: 'nats://127.0.0.1:4222' }).nats }, {
    servers: ['nats://127.0.0.1:4222'], stream: 'TELEGRAM', subjectPrefix: 'telegram', creds: null, user: null, password: null, token: null,
  })
  const config = loadConfig({
    NATS_URL: 'nats://a.example:4222, tls://b.example:4443,c.example', NATS_STREAM: 'TG_FEED', NATS_SUBJECT_PREFIX: 'acme.tg',
    NATS_USER: 'connector', NATS_PASSWORD: 'pw', NATS_TOKEN: 'tok',
  })
  assert.deepEqual(config.nats?.servers, ['nats://a.example:4222', 'tls://b.example:4443', 'c.example'])
  assert.equal(config.nats?.stream, 'TG_FEED')
  assert.equal(config.nats?.subjectPrefix, 'acme.tg')
  assert.equal(config.nats?.user, 'connector')
  assert.equal(config.nats?.password, 'pw')
  assert.equal(config.nats?.token, 'tok')
  assert.ok(Object.isFrozen(config.nats))
})

test('bad NATS settings name their variable', () => {
  assert.equal(configError({ NATS_URL: 'http://x.example' }).variable, 'NATS_URL')
  assert.equal(configError({ NATS_URL: ' , ' }).variable, 'NATS_URL')
  for (const stream of ['has space', 'dot.ted', 'star*', 'gt>', 'a/b']) {
    assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_STREAM: stream }).variable, 'NATS_STREAM', stream)
  }
  for (const prefix of ['a..b', '.a', 'a.', 'a.*', 'a.>', 'a b']) {
    assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_SUBJECT_PREFIX: prefix }).variable, 'NATS_SUBJECT_PREFIX', prefix)
  }
  assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_USER: 'u' }).variable, 'NATS_PASSWORD')
  assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_PASSWORD: 'p' }).variable, 'NATS_USER')
})

test('NATS_CREDS is read at start and must be a credentials file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'config-creds-'))
  try {
    const creds = join(directory, 'user.creds')
    const text = '-----BEGIN NATS USER JWT-----\neyJ0eXAi\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAM\n------END USER NKEY SEED------\n'
    writeFileSync(creds, text)
    assert.equal(loadConfig({ NATS_URL: 'nats://x:4222', NATS_CREDS: creds }).nats?.creds, text)
    const bad = join(directory, 'bad.creds')
    writeFileSync(bad, 'not creds')
    assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_CREDS: bad }).variable, 'NATS_CREDS')
    assert.equal(configError({ NATS_URL: 'nats://x:4222', NATS_CREDS: join(directory, 'missing') }).variable, 'NATS_CREDS')
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
})

test('LIVE_CHANNELS takes channel ids, bare or -100-prefixed; a username or anything else names the variable', () => {
  assert.deepEqual([...loadConfig({ LIVE_CHANNELS: '2200000548, -1002200001688,2200000548' }).liveChannels!], [2200000548, 2200001688])
  assert.equal(loadConfig({ LIVE_CHANNELS: '' }).liveChannels, null)
  for (const value of ['durov', '2200000548,durov', '-42', ',', 'x y']) {
    assert.throws(() => loadConfig({ LIVE_CHANNELS: value }), (err: unknown) => err instanceof ConfigError && err.variable === 'LIVE_CHANNELS', value)
  }
})

test('SINK_START_AT takes a time as start_time does, in Unix seconds; anything else names the variable', () => {
  assert.equal(loadConfig({ SINK_START_AT: '2025-07-01T12:00:00Z' }).sinkStartAt, 1_751_371_200)
  assert.equal(loadConfig({ SINK_START_AT: '1751371200' }).sinkStartAt, 1_751_371_200)
  assert.equal(loadConfig({}).sinkStartAt, null)
  for (const value of ['yesterday', '2025-13-01']) {
    assert.throws(() => loadConfig({ SINK_START_AT: value }), (err: unknown) => err instanceof ConfigError && err.variable === 'SINK_START_AT', value)
  }
})
