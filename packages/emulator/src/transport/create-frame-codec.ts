import { AbridgedCodec } from './abridged-codec.ts'
import type { FrameCodec, TransportKind } from './frame-codec.ts'
import { FullCodec } from './full-codec.ts'
import { IntermediateCodec, type PaddingSource } from './intermediate-codec.ts'

export function createFrameCodec(kind: TransportKind, padding: PaddingSource): FrameCodec {
  switch (kind) {
    case 'abridged':
      return new AbridgedCodec()
    case 'intermediate':
      return new IntermediateCodec()
    case 'padded-intermediate':
      return new IntermediateCodec(padding)
    case 'full':
      return new FullCodec()
  }
}
