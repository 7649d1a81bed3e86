/**
 * mtcute's log lines, sent to ours with what could identify the account taken out. mtcute's
 * logger formats some arguments itself before its handler sees the line: `%j` writes a whole TL
 * object as JSON (a stray rpc_result dumps the auth.authorization it holds, user and phone
 * number included), `%h` writes bytes as hex (message keys, raw packets). So the line is
 * redacted as text: every JSON object or array becomes its TL type name (`[user]`) or
 * `[object]`, every run of 16 or more hex digits (not all decimal) becomes `[bytes]`, and what is left of the
 * other arguments is cut to 200 characters. The tag and the words of the line stay: they name
 * what happened, the method and the error text.
 */
import type { TelegramClient } from '@mtcute/node'

/** mtcute's LogManager levels (utils/logger.js): 1 error, 2 warn. */

/** The pino methods the Telegram side logs through (a pino logger satisfies it). */
export interface TelegramLog {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export const MTCUTE_LOG_WARN = 2

/** Sends mtcute's log lines (already filtered to warn and error) to our logger, redacted. */
export function routeMtcuteLog(client: TelegramClient, log: TelegramLog): void {
  const manager = client.log as unknown as {
    handler: (color: number, level: number, tag: string, fmt: string, args: unknown[]) => void
  }
  manager.handler = (_color, level, tag, fmt, args) => {
    const msg = redactMtcuteText(formatLogLine(fmt, args))
    if (level <= 1) log.error({ mtcute: tag }, msg)
    else if (level === MTCUTE_LOG_WARN) log.warn({ mtcute: tag }, msg)
    else log.debug({ mtcute: tag }, msg)
  }
}

/** What is left of printf-style markers (%s, %d) after mtcute's own formatting. */
function formatLogLine(fmt: string, args: unknown[]): string {
  let index = 0
  return fmt.replace(/%[a-z]/gi, (marker) => {
    if (index >= args.length) return marker
    const value = args[index++]
    const text = value instanceof Error ? value.message : String(value)
    return text.length > 200 ? `${text.slice(0, 200)}…` : text
  })
}

/** 16 or more hex digits with a letter among them (a long decimal, a msg_id, is not bytes). */
const LONG_HEX = /\b(?=[0-9]*[a-f])[0-9a-f]{16,}\b/gi

/** The line with JSON values replaced by their TL type name and long hex runs by `[bytes]`. */
export function redactMtcuteText(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (char === '{' || char === '[') {
      const end = jsonEnd(text, i)
      if (end !== -1) {
        const type = /^\{"_":"([A-Za-z0-9_.]+)"/.exec(text.slice(i, end))
        out += type === null ? '[object]' : `[${type[1]}]`
        i = end
        continue
      }
    }
    out += char
    i++
  }
  return out.replace(LONG_HEX, '[bytes]')
}

/**
 * The index just past the JSON object or array that starts at `start`, or -1 when it holds no
 * string or its brackets do not balance (then it stays as it is).
 */
function jsonEnd(text: string, start: number): number {
  let depth = 0
  let inString = false
  let sawQuote = false
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (char === '\\') i++
      else if (char === '"') inString = false
      continue
    }
    if (char === '"') {
      inString = true
      sawQuote = true
    } else if (char === '{' || char === '[') {
      depth++
    } else if (char === '}' || char === ']') {
      depth--
      // Without a string inside it is mtcute's prefix ("[DC 2]", "[MAIN]") or a list of numbers: nothing to hide.
      if (depth === 0) return sawQuote ? i + 1 : -1
    }
  }
  return -1
}
