/**
 * How a client names a channel, parsed (pure): a public username, a channel id, or an invite
 * link. Telegram's forms (https://core.telegram.org/api/links): public links
 * `https://t.me/<username>` (also `/s/<username>`, `/<username>/<post>`, `telegram.me`,
 * `telegram.dog`, `tg://resolve?domain=`), invite links `https://t.me/+<hash>`,
 * `t.me/joinchat/<hash>` and `tg://join?invite=<hash>`; ids bare (`1234567890`, as in
 * `PeerChannel.channel_id`) or marked as the Bot API writes them (`-1001234567890`).
 */

/** A channel the account is in, named by the client; `written` is the name as the client wrote it. */
export type ChannelName = ({ kind: 'username'; username: string } | { kind: 'id'; id: number }) & { written: string }

/** What POST /channels joins. */
export type JoinTarget = { kind: 'username'; username: string } | { kind: 'invite'; hash: string }

/**
 * Telegram usernames: a letter, then letters, digits and underscores, 5–32 characters
 * (a few older ones are 4 or shorter; Telegram itself answers USERNAME_INVALID for the rest).
 */
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{1,31}$/
const INVITE_HASH = /^[A-Za-z0-9_-]{1,64}$/
const BARE_ID = /^[1-9][0-9]{0,15}$/
/** The Bot API's mark of a channel id: -100 followed by the id (-1001234567890). */
const MARKED_ID = /^-100([1-9][0-9]{0,15})$/
const LINK_HOSTS = new Set(['t.me', 'telegram.me', 'telegram.dog'])

/** A username (`durov`, `@durov`), or null when it cannot be one. */
export function parseUsername(text: string): string | null {
  const name = text.trim().replace(/^@/, '')
  return USERNAME.test(name) ? name : null
}

/** A username or id as given to `?channels=` or `DELETE /channels/{channel}`; null when it is neither. */
export function parseChannelName(text: string): ChannelName | null {
  const trimmed = text.trim()
  const marked = MARKED_ID.exec(trimmed)
  const id = marked !== null ? marked[1] : BARE_ID.test(trimmed) ? trimmed : null
  if (id !== null) {
    const value = Number(id)
    return Number.isSafeInteger(value) ? { kind: 'id', id: value, written: trimmed } : null
  }
  const username = parseUsername(trimmed)
  return username === null ? null : { kind: 'username', username, written: trimmed }
}

/** A comma-separated list of names (`durov,-1001234567890`): the names, and the items that are none. */
export function parseChannelList(text: string): { names: ChannelName[]; invalid: string[] } {
  const names: ChannelName[] = []
  const invalid: string[] = []
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const name = parseChannelName(item)
    if (name === null) invalid.push(item)
    else names.push(name)
  }
  return { names, invalid }
}

/** A public or invite link; null when it is not a Telegram link to a chat. */
export function parseLink(text: string): JoinTarget | null {
  const trimmed = text.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return null
  }
  if (url.protocol === 'tg:') return parseTgLink(url)
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !LINK_HOSTS.has(url.hostname.toLowerCase())) return null
  const segments = url.pathname.split('/').filter((segment) => segment !== '').map(decodeSegment)
  if (segments.includes(null)) return null
  const [first, second] = segments as string[]
  if (first === undefined) return null
  if (first.startsWith('+')) return invite(first.slice(1))
  if (first.toLowerCase() === 'joinchat') return second === undefined ? null : invite(second)
  // t.me/s/<username> is the web preview of a public channel.
  const name = first.toLowerCase() === 's' && second !== undefined ? second : first
  const username = parseUsername(name)
  return username === null ? null : { kind: 'username', username }
}

/** A path segment with its percent-escapes decoded (t.me/%2Bhash); null when they are malformed. */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

function parseTgLink(url: URL): JoinTarget | null {
  // tg://resolve?domain=<username> and tg://join?invite=<hash>: the host is the action.
  const action = url.hostname.toLowerCase()
  if (action === 'join') return invite(url.searchParams.get('invite') ?? '')
  if (action !== 'resolve') return null
  const username = parseUsername(url.searchParams.get('domain') ?? '')
  return username === null ? null : { kind: 'username', username }
}

function invite(hash: string): JoinTarget | null {
  return INVITE_HASH.test(hash) ? { kind: 'invite', hash } : null
}

