/** The client broke its transport's framing (bad length, bad checksum): the connection is unusable. */
export class FramingError extends Error {
  override readonly name = 'FramingError'
}
