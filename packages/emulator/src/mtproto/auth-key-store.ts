import { authKeyIdOf } from '../crypto/auth-key-id.ts'

/** A permanent auth key the DC knows, with the API layer its client last announced. */
export interface AuthKeyRecord {
  readonly id: bigint
  /** 256 bytes. Never log it. */
  readonly key: Buffer
  /** Unix seconds. */
  readonly createdAt: number
  /** From the client's last invokeWithLayer; absent until the first one. */
  layer?: number
}

/** The persisted form: ids as decimal strings (signed, like the wire long), keys as base64. */
export interface AuthKeyStoreJson {
  version: 1
  keys: { id: string; key: string; createdAt: number; layer?: number }[]
}

/**
 * The DC's auth keys by auth_key_id. The emulator restores it at start and persists it on change,
 * so clients holding a saved session reconnect without a new key exchange.
 */
export class AuthKeyStore {
  private readonly keys = new Map<bigint, AuthKeyRecord>()
  private readonly listeners = new Set<() => void>()

  get size(): number {
    return this.keys.size
  }

  get(id: bigint): AuthKeyRecord | undefined {
    return this.keys.get(id)
  }

  has(id: bigint): boolean {
    return this.keys.has(id)
  }

  /** Stores a key made by a key exchange and returns its record. */
  add(key: Buffer, createdAt: number): AuthKeyRecord {
    if (key.length !== 256) throw new RangeError('auth keys are 256 bytes')
    const record: AuthKeyRecord = { id: authKeyIdOf(key), key: Buffer.from(key), createdAt }
    this.keys.set(record.id, record)
    this.changed()
    return record
  }

  delete(id: bigint): boolean {
    const deleted = this.keys.delete(id)
    if (deleted) this.changed()
    return deleted
  }

  setLayer(id: bigint, layer: number): void {
    const record = this.keys.get(id)
    if (!record || record.layer === layer) return
    record.layer = layer
    this.changed()
  }

  /** Calls `listener` after every change (a key added or deleted, a layer learned). Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  ids(): bigint[] {
    return [...this.keys.keys()]
  }

  toJSON(): AuthKeyStoreJson {
    return {
      version: 1,
      keys: [...this.keys.values()].map((r) => ({
        id: r.id.toString(),
        key: r.key.toString('base64'),
        createdAt: r.createdAt,
        ...(r.layer === undefined ? {} : { layer: r.layer }),
      })),
    }
  }

  /** Rebuilds a store from `toJSON()` output; an entry whose key does not hash to its id is an error. */
  static restore(json: AuthKeyStoreJson): AuthKeyStore {
    if (json?.version !== 1 || !Array.isArray(json.keys)) throw new Error('unsupported auth key store format')
    const store = new AuthKeyStore()
    for (const entry of json.keys) {
      const key = Buffer.from(entry.key, 'base64')
      if (key.length !== 256) throw new Error(`auth key ${entry.id} is not 256 bytes`)
      const id = authKeyIdOf(key)
      if (id.toString() !== entry.id) throw new Error(`auth key ${entry.id} does not match its id`)
      const record: AuthKeyRecord = { id, key, createdAt: entry.createdAt }
      if (entry.layer !== undefined) record.layer = entry.layer
      store.keys.set(id, record)
    }
    return store
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
