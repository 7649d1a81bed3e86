/**
 * What the HTTP layer needs from the Telegram side. The gateway implements it; routes see
 * nothing else, so data flows one way: HTTP → gateway → mtcute.
 */
import type { TimeWindow } from './http/time-window.ts'
import type { SkippedChannel } from './telegram/channel-list.ts'
import type { ChannelName, JoinTarget } from './telegram/channel-reference.ts'

export type { SkippedChannel } from './telegram/channel-list.ts'

export interface SignInInput {
  phone: string
  code?: string | undefined
  twoFactorPassword?: string | undefined
}

export type SignInOutcome =
  | { done: true }
  | { done: false; next: 'code' | 'two_factor_password'; hint?: string | null; timeout?: number | null }

export type TelegramLink = 'connected' | 'connecting' | 'disconnected'

/** One of the account's broadcast channels or supergroups. */
export interface ChannelSummary {
  /** The bare id, as in `PeerChannel.channel_id`. */
  id: number
  username: string | null
  title: string
  type: 'channel' | 'supergroup'
  /** Members, when Telegram says. */
  participantsCount: number | null
  /** Unix seconds of the newest message, or null when there is none. */
  lastMessageDate: number | null
}

export interface MessageSelection {
  /** Only these channels (each one the account must be in); absent: every channel. */
  channels?: readonly ChannelName[] | undefined
}

export interface Connector<Message = unknown> {
  status(): { authorized: boolean; telegram: TelegramLink }
  signIn(input: SignInInput): Promise<SignInOutcome>
  /**
   * Channel messages with startMs < date <= endMs, newest first. Each channel left out because
   * Telegram will not let it be read is told to `onSkip` as soon as it is known. With
   * `selection.channels`, only those channels are read.
   */
  channelMessages(window: TimeWindow, onSkip?: (channel: SkippedChannel) => void, selection?: MessageSelection): AsyncIterable<Message>
  /** The account's channels and supergroups, newest message first. */
  channels(): AsyncIterable<ChannelSummary>
  /** Joins; `joined` false when the account was already in it. */
  joinChannel(target: JoinTarget): Promise<{ joined: boolean; channel: ChannelSummary }>
  leaveChannel(name: ChannelName): Promise<void>
  /** The bare ids of the named channels, each one the account must be in (CHANNEL_NOT_JOINED naming the others). */
  channelIds(names: readonly ChannelName[]): Promise<ReadonlySet<number>>
  /** One message as JSON text (Telethon's to_dict shape, 64-bit integers exact). */
  serializeMessage(message: Message): string
}
