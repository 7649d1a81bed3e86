/**
 * The emulator's public entry: start a Telegram DC cluster (`startEmulator`), the sandbox's demo
 * world, Telegram-like flood control and a post schedule. A client meets the emulator over TCP only.
 */

export * from './emulator.ts'
export * from './post-schedule.ts'
export * from './telegram-like-rates.ts'
export * from './world/demo-world.ts'
