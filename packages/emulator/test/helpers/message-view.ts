/**
 * A neutral view of a message for comparing what a client read with what the emulator's world
 * holds: the compared fields camelCased, 64-bit values as decimal strings.
 */
import assert from 'node:assert/strict'
import type { Emulator } from '../../src/emulator.ts'
import type { TlObject } from '../../src/tl/tl-object.ts'
import type { History } from '../../src/world/history.ts'
import { materializeMessage } from '../../src/world/message-factory.ts'
import { PeerRefs } from '../../src/world/peer-refs.ts'

export interface MessageView {
  _: string
  id: number
  date: number
  message: string | undefined
  views: number | undefined
  forwards: number | undefined
  postAuthor: string | undefined
  groupedId: string | undefined
  entities: { _: string; offset: number; length: number; url?: string }[] | undefined
  fromUserId: string | undefined
  replies: number | undefined
  editDate: number | undefined
  replyToMsgId: number | undefined
  media: string | undefined
  action: string | undefined
}

export type Tl = Record<string, unknown>

/** The world's message (snake_case TL names) in the neutral view. */
export function worldView(m: TlObject): MessageView {
  const o = m as Tl
  const from = o.from_id as Tl | undefined
  return {
    _: m._,
    id: o.id as number,
    date: o.date as number,
    message: o.message as string | undefined,
    views: o.views as number | undefined,
    forwards: o.forwards as number | undefined,
    postAuthor: o.post_author as string | undefined,
    groupedId: o.grouped_id === undefined ? undefined : String(o.grouped_id),
    entities: (o.entities as Tl[] | undefined)?.map((e) => ({
      _: e._ as string,
      offset: e.offset as number,
      length: e.length as number,
      ...(e.url !== undefined ? { url: e.url as string } : {}),
    })),
    fromUserId: from === undefined ? undefined : String(from.user_id),
    replies: (o.replies as Tl | undefined)?.replies as number | undefined,
    editDate: o.edit_date as number | undefined,
    replyToMsgId: (o.reply_to as Tl | undefined)?.reply_to_msg_id as number | undefined,
    media: (o.media as Tl | undefined)?._ as string | undefined,
    action: (o.action as Tl | undefined)?._ as string | undefined,
  }
}

/** The world's own message with this id, as the signed-in user sees it. */
export function worldMessage(emu: Emulator, history: History, userId: number, id: number): TlObject {
  const index = history.indexOfId(id)
  assert.notEqual(index, -1, `message ${id} exists in the world`)
  const viewer = { user: emu.accounts.userById(userId)!, isMember: () => true }
  return materializeMessage(emu.world, history, index, viewer, new PeerRefs())
}
