import assert from 'node:assert/strict'
import { test } from 'node:test'
import { computePasswordHash, computeSrpParams } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { passwordHash, SRP_PRIME, srpCheck, srpClientProof, srpServerB, srpVerifier } from '../src/world/srp.ts'

// Fixed inputs: salts as Telegram sizes them (salt1 40 bytes, salt2 16), secrets a and b.
const PASSWORD = 'correct horse battery staple'
const algo = { salt1: Buffer.from('4a3f'.repeat(20), 'hex'), salt2: Buffer.from('c0ffee00'.repeat(4), 'hex') }
const a = Buffer.alloc(256)
a.write('a1'.repeat(32), 'hex')
const b = Buffer.alloc(256)
b.write('b2'.repeat(32), 'hex')

test('known answer: x = PH2(password, salt1, salt2)', () => {
  assert.equal(passwordHash(PASSWORD, algo).toString('hex'), '21b2831ab11c97e02a92fe8d29e623dfe896f4f1ceb786ba7f790f4e6891003d')
})

test('known answer: verifier, B and the client proof M1 for fixed secrets', () => {
  const v = srpVerifier(PASSWORD, algo)
  const B = srpServerB(v, b)
  assert.equal(v.length, 256)
  assert.equal(B.length, 256)
  assert.equal(v.subarray(0, 16).toString('hex'), '376809d7394fc999fc2f195cfbfb181c')
  assert.equal(B.subarray(0, 16).toString('hex'), '20ec7a29f13ee1c656f507569a5ff1be')
  const { M1 } = srpClientProof(PASSWORD, algo, B, a)
  assert.equal(M1.toString('hex'), '2fb4f5f59bbbd6f09ff486516e4177417d7ac226ab7bc9d5e5faeaa2df2a91ec')
})

test("the client side agrees with mtcute's independent implementation", async () => {
  const crypto = new NodeCryptoProvider()
  await crypto.initialize?.()
  const x = await computePasswordHash(crypto, Buffer.from(PASSWORD), algo.salt1, algo.salt2)
  assert.equal(Buffer.from(x).toString('hex'), passwordHash(PASSWORD, algo).toString('hex'))

  const B = srpServerB(srpVerifier(PASSWORD, algo), b)
  // mtcute draws its secret a from randomBytes; fix it to ours.
  ;(crypto as unknown as { randomBytes: (n: number) => Uint8Array }).randomBytes = (n) => {
    const out = Buffer.alloc(n)
    a.copy(out)
    return out
  }
  const request = {
    _: 'account.password',
    currentAlgo: { _: 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow', salt1: algo.salt1, salt2: algo.salt2, g: 3, p: SRP_PRIME },
    srpB: B,
    srpId: 1n,
  } as unknown as Parameters<typeof computeSrpParams>[1]
  const theirs = await computeSrpParams(crypto, request, PASSWORD)
  const ours = srpClientProof(PASSWORD, algo, B, a)
  assert.equal(Buffer.from(theirs.A).toString('hex'), ours.A.toString('hex'))
  assert.equal(Buffer.from(theirs.M1).toString('hex'), ours.M1.toString('hex'))
})

test('the server accepts the right proof and rejects a wrong password, a tampered M1 and degenerate A', () => {
  const v = srpVerifier(PASSWORD, algo)
  const B = srpServerB(v, b)
  const good = srpClientProof(PASSWORD, algo, B, a)
  assert.equal(srpCheck({ algo, verifier: v, b, A: good.A, M1: good.M1 }), true)
  const wrong = srpClientProof('correct horse battery stapler', algo, B, a)
  assert.equal(srpCheck({ algo, verifier: v, b, A: wrong.A, M1: wrong.M1 }), false)
  const tampered = Buffer.from(good.M1)
  tampered[0] ^= 1
  assert.equal(srpCheck({ algo, verifier: v, b, A: good.A, M1: tampered }), false)
  for (const A of [Buffer.alloc(256), Buffer.from([1]), SRP_PRIME]) {
    assert.equal(srpCheck({ algo, verifier: v, b, A, M1: good.M1 }), false)
  }
})
