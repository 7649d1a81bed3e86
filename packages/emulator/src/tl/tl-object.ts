/**
 * A TL value as the emulator's handlers and codec see it.
 *
 * Objects carry their constructor name in `_` (the TL name: `message`, `peerChannel`,
 * `messages.channelMessages`) and their fields under the schema's own snake_case names
 * (`peer_id`, `fwd_from`). Handlers write one shape for every layer: the codec picks the
 * fields the client's layer knows and fills what a layer requires from defaults.
 *
 * Value mapping:
 *   int, #            number
 *   long              bigint when read; number | bigint accepted when written
 *   int53             number when read (mtcute's name for ids sent as a long); number | bigint written
 *   double            number
 *   string            string
 *   bytes, int128, int256   Buffer
 *   Bool, true        boolean
 *   Vector<T>         T[]
 *   any boxed type    TlObject
 */
export interface TlObject {
  _: string
  [field: string]: unknown
}

export function isTlObject(value: unknown): value is TlObject {
  return typeof value === 'object' && value !== null && typeof (value as TlObject)._ === 'string'
}
