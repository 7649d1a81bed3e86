import type { TransportKind } from './frame-codec.ts'

export type TransportDetection =
  | { status: 'need-more' }
  | { status: 'detected'; kind: TransportKind; headerLength: number }
  | { status: 'unsupported'; reason: string }

/**
 * Names a connection's transport from its first bytes (core.telegram.org/mtproto/mtproto-transports):
 * 0xef → abridged, 0xeeeeeeee → intermediate, 0xdddddddd → padded intermediate (each marker is
 * consumed: `headerLength`), and a first packet whose bytes 4..8 are zero is the full transport
 * (its seq starts at 0; nothing to consume). Anything else is the obfuscated header, which only
 * proxies and browsers use and the emulator does not speak.
 */
export function detectTransport(firstBytes: Buffer): TransportDetection {
  if (firstBytes.length < 1) return { status: 'need-more' }
  if (firstBytes[0] === 0xef) return { status: 'detected', kind: 'abridged', headerLength: 1 }
  if (firstBytes.length < 4) return { status: 'need-more' }
  const marker = firstBytes.readUInt32LE(0)
  if (marker === 0xeeeeeeee) return { status: 'detected', kind: 'intermediate', headerLength: 4 }
  if (marker === 0xdddddddd) return { status: 'detected', kind: 'padded-intermediate', headerLength: 4 }
  if (firstBytes.length < 8) return { status: 'need-more' }
  if (firstBytes.readUInt32LE(4) === 0) return { status: 'detected', kind: 'full', headerLength: 0 }
  return { status: 'unsupported', reason: 'obfuscated transport' }
}
