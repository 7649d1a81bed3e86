/**
 * The gateway's mtcute client as the live feed sees it (src/telegram/live-telegram.ts): its updates,
 * the channels whose gap Telegram will not replay, the link coming back, and calls through the
 * same flood-controlled seam as every history read.
 */
import type { RawUpdateInfo } from '@mtcute/core'
import type { TelegramClient } from '@mtcute/node'
import type { LiveTelegram } from './live-telegram.ts'
import type { FloodWaitPolicy } from './calls/call-with-flood-wait.ts'
import type { Listeners } from './listeners.ts'
import type { TelegramConnection } from './telegram-connection.ts'

export interface LiveSourceParts {
  client: TelegramClient
  /** A live stream has always begun answering: its catch-up sits through waits up to FLOOD_WAIT_MAX. */
  policy: FloodWaitPolicy
  authorized: () => boolean
  connection: TelegramConnection
  /** Fed by mtcute's onChannelTooLong (mtcute-client.ts). */
  channelTooLong: Listeners<[channelId: number]>
  /** Fed by the gateway when the login ends. */
  signedOut: Listeners<[reason: 'signed_out' | 'revoked']>
}

export function liveSource({ client, policy, authorized, connection, channelTooLong, signedOut }: LiveSourceParts): LiveTelegram {
  return {
    caller: client,
    policy,
    authorized,
    onUpdate: (listener) => {
      const handler = (info: RawUpdateInfo): void => listener(info.update, info.peers)
      client.onRawUpdate.add(handler)
      return () => client.onRawUpdate.remove(handler)
    },
    onChannelTooLong: (listener) => channelTooLong.add(listener),
    onReconnected: (listener) => connection.onReconnected(listener),
    onSignedOut: (listener) => signedOut.add(listener),
  }
}
