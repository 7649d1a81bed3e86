/**
 * The largest payload a framer accepts. MTProto messages are at most about 1 MiB
 * (mtcute refuses to send more than 1 044 404 bytes); a little headroom, then a client that
 * announces more is treated as broken rather than buffered without limit.
 */
export const MAX_FRAME_LENGTH = 2 * 1024 * 1024
