/**
 * Where each Telegram DC is, when the configuration says (docs/spec.md §2 `TELEGRAM_DC`). A session
 * names its DC by id and address; the address was learned from the server's own dc_options
 * (help.getConfig) when the client moved there, so it is kept — unless the configuration names
 * an address for that DC id, which then replaces it (a sandbox restarted on new ports, a DC
 * reached through a tunnel). The DC id and the auth key are never changed: a key belongs to
 * the DC that made it, and sending it to another DC's address gets AUTH_KEY_UNREGISTERED.
 */
import { readStringSession } from '@mtcute/core/utils.js'

export interface DcEndpoint {
  host: string
  port: number
}

/** The DC a new client starts on when the configuration names one without an id (Telegram's default DC). */
export const DEFAULT_CUSTOM_DC_ID = 2

export type SessionData = ReturnType<typeof readStringSession>

/** The configured addresses by DC id: the default DC's (id 2 unless given) and any per-DC ones. */
export function configuredDcAddresses(
  defaultDc: (DcEndpoint & { id?: number | undefined }) | undefined,
  byId: Readonly<Record<number, DcEndpoint>> | undefined,
): Map<number, DcEndpoint> {
  const addresses = new Map<number, DcEndpoint>()
  if (defaultDc) addresses.set(defaultDc.id ?? DEFAULT_CUSTOM_DC_ID, { host: defaultDc.host, port: defaultDc.port })
  for (const [id, endpoint] of Object.entries(byId ?? {})) addresses.set(Number(id), endpoint)
  return addresses
}

/** The session with its DC's address replaced when one is configured for that DC id; as it was otherwise. */
export function withDcAddresses(session: string, addresses: ReadonlyMap<number, DcEndpoint>): string | SessionData {
  if (addresses.size === 0) return session
  const data = readStringSession(session)
  const id = data.primaryDcs.main.id
  const endpoint = addresses.get(id)
  if (endpoint === undefined) return session
  const address = { ipAddress: endpoint.host, port: endpoint.port, ipv6: false }
  return {
    ...data,
    primaryDcs: {
      main: { ...data.primaryDcs.main, ...address },
      media: { ...data.primaryDcs.media, ...address, id, mediaOnly: true },
    },
  }
}
