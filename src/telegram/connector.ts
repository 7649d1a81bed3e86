/**
 * What the HTTP layer needs from the Telegram side. The gateway implements it; routes see
 * nothing else, so data flows one way: HTTP → gateway → mtcute.
 */
import type { ChannelSkipReason } from '../metrics/service-metrics.ts'
import type { ChannelName, JoinTarget } from '../core/channel-reference.ts'
import type { MessageCursor } from './history/message-cursor.ts'
import type { HeldWait } from './calls/flood-gate.ts'
import type { TimeWindow } from '../core/time-window.ts'


/** A channel of the account left out of a window, and why. */
export interface SkippedChannel {
  id: number
  reason: ChannelSkipReason
}

export interface SignInInput {
  /** Required but to complete a QR sign-in's two-step verification. */
  phone?: string | undefined
  code?: string | undefined
  twoFactorPassword?: string | undefined
  /** Ask Telegram to send the pending code again (by its next way: SMS, call). */
  resend?: boolean | undefined
}

/** How Telegram sent the code: in the Telegram app, by SMS, by a call, or another way. */
export type CodeDelivery = 'app' | 'sms' | 'call' | 'other'

export type SignInOutcome =
  | { done: true }
  | { done: false; next: 'code'; timeout: number | null; delivery: CodeDelivery }
  | { done: false; next: 'two_factor_password'; hint: string | null }

/** A QR sign-in step: show `url` as a QR code until `expires` (Unix seconds), or the password next. */
export type QrSignInOutcome =
  | { done: true }
  | { done: false; next: 'scan'; url: string; expires: number }
  | { done: false; next: 'two_factor_password'; hint: string | null }

/** The signed-in account, as GET /me shows it (no phone number). */
export interface AccountProfile {
  id: number
  username: string | null
  firstName: string
  lastName: string | null
}

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

export interface ReadOptions {
  /**
   * Whether the reader has begun answering (the response's first bytes are out): from then on
   * flood waits up to FLOOD_WAIT_MAX are sat through; before, only short ones (docs/spec.md §7).
   */
  started?: () => boolean
  /** Stops the read, waits included (the client went away). */
  signal?: AbortSignal
  /** Told of each flood wait the read sits through (which method, how long). */
  onWait?: (wait: HeldWait) => void
  /** Resumes a cut answer: only the messages after this one, in the answer's order. */
  after?: MessageCursor
}

/** `unreachable`: a connection to Telegram failed and none has succeeded since (an outage, not a reconnection). */
export interface ConnectorStatus {
  authorized: boolean
  telegram: TelegramLink
  unreachable: boolean
}

export interface Connector<Message = unknown> {
  status(): ConnectorStatus
  signIn(input: SignInInput): Promise<SignInOutcome>
  /** One poll of a QR sign-in (the same call until the code is scanned). */
  signInQr(): Promise<QrSignInOutcome>
  /** Logs the account out at Telegram and clears the stored session; nothing to do when not signed in. */
  signOut(): Promise<void>
  /** The signed-in account; NOT_SIGNED_IN otherwise. */
  me(): Promise<AccountProfile>
  /**
   * Channel messages with startMs < date <= endMs, newest first. Each channel left out because
   * Telegram will not let it be read is told to `onSkip` as soon as it is known. With
   * `selection.channels`, only those channels are read. `options` say how long flood waits are
   * sat through, when to stop, and where to resume.
   */
  channelMessages(window: TimeWindow, onSkip?: (channel: SkippedChannel) => void, selection?: MessageSelection, options?: ReadOptions): AsyncIterable<Message>
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
