import type { TlObject } from '../tl/tl-object.ts'
import { ServiceId } from './service-ids.ts'

/**
 * A query with its invoke* wrappers peeled off (core.telegram.org/api/invoking):
 * invokeWithLayer, initConnection, invokeWithoutUpdates, invokeAfterMsg, invokeAfterMsgs,
 * in any nesting.
 */
export interface UnwrappedQuery {
  method: TlObject
  layer?: number
  initConnection?: TlObject
  afterMsgIds: bigint[]
  withoutUpdates: boolean
}

const WRAPPERS = new Set(['invokeWithLayer', 'initConnection', 'invokeWithoutUpdates', 'invokeAfterMsg', 'invokeAfterMsgs'])

export function unwrapQuery(query: TlObject): UnwrappedQuery {
  const out: UnwrappedQuery = { method: query, afterMsgIds: [], withoutUpdates: false }
  let current = query
  while (WRAPPERS.has(current._)) {
    switch (current._) {
      case 'invokeWithLayer':
        out.layer = current.layer as number
        break
      case 'initConnection':
        out.initConnection = current
        break
      case 'invokeWithoutUpdates':
        out.withoutUpdates = true
        break
      case 'invokeAfterMsg':
        out.afterMsgIds.push(current.msg_id as bigint)
        break
      case 'invokeAfterMsgs':
        out.afterMsgIds.push(...(current.msg_ids as bigint[]))
        break
    }
    current = current.query as TlObject
  }
  out.method = current
  return out
}

/**
 * The layer an invokeWithLayer announces, found before decoding: the query inside must be read
 * with that layer's schema (constructor ids differ between layers). Looks through the wrappers
 * that can precede it and whose size is fixed; initConnection always comes inside invokeWithLayer.
 */
export function peekInvokeLayer(body: Buffer): number | undefined {
  let pos = 0
  while (pos + 4 <= body.length) {
    const id = body.readUInt32LE(pos)
    if (id === ServiceId.invokeWithLayer) return pos + 8 <= body.length ? body.readInt32LE(pos + 4) : undefined
    if (id === ServiceId.invokeWithoutUpdates) pos += 4
    else if (id === ServiceId.invokeAfterMsg) pos += 12
    else if (id === ServiceId.invokeAfterMsgs) {
      if (pos + 12 > body.length || body.readUInt32LE(pos + 4) !== ServiceId.vector) return undefined
      pos += 12 + 8 * body.readUInt32LE(pos + 8)
    } else return undefined
  }
  return undefined
}
