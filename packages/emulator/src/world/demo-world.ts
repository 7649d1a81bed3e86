import type { WorldOptions } from './generate-world.ts'

/**
 * The sandbox's world (docs/spec.md §2 "Sandbox mode"): a few public channels with a week of
 * messages, service messages, a private chat and a basic group; to try POST /channels, one
 * public channel the account is not in (`canal_5`) and two private ones behind invite links
 * (world/invites.ts). `now` is unix seconds.
 */
export function demoWorldOptions(now: number): WorldOptions {
  return {
    seed: 20250701,
    channels: 4,
    messagesPerChannel: 400,
    spanSeconds: 7 * 86400,
    now,
    privateChatMessages: 40,
    basicGroupMessages: 60,
    discoverableChannels: 1,
    privateChannels: 2,
  }
}
