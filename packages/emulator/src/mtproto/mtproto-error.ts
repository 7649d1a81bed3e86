/**
 * A client broke the MTProto rules badly enough that the connection cannot go on (malformed
 * header, failed key-exchange check, undecryptable message). The server answers with a
 * transport error and closes; the message never reaches a log with secrets.
 */
export class MtprotoError extends Error {
  override readonly name = 'MtprotoError'
}
