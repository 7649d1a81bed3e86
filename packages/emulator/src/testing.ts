/**
 * What tests of a client need besides the public entry: the world's types and helpers to build
 * and inspect it (messages as the emulator stores them, TL objects, auth key ids, flood rules).
 */

export * from './crypto/auth-key-id.ts'
export * from './flood-control.ts'
export * from './tl/tl-object.ts'
export * from './world/generate-world.ts'
export * from './world/history.ts'
export * from './world/message-factory.ts'
export * from './world/peer-refs.ts'
export * from './world/viewer.ts'
export * from './world/world.ts'
