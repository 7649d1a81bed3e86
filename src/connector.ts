/**
 * What the HTTP layer needs from the Telegram side. The gateway implements it; routes see
 * nothing else, so data flows one way: HTTP → gateway → mtcute.
 */
import type { TimeWindow } from './http/time-window.ts'
import type { SkippedChannel } from './telegram/channel-list.ts'

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

export interface Connector<Message = unknown> {
  status(): { authorized: boolean; telegram: TelegramLink }
  signIn(input: SignInInput): Promise<SignInOutcome>
  /**
   * Channel messages with startMs < date <= endMs, newest first. Each channel left out because
   * Telegram will not let it be read is told to `onSkip` as soon as it is known.
   */
  channelMessages(window: TimeWindow, onSkip?: (channel: SkippedChannel) => void): AsyncIterable<Message>
  /** One message as JSON text (Telethon's to_dict shape, 64-bit integers exact). */
  serializeMessage(message: Message): string
}
