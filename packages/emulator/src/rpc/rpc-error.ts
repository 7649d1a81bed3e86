/**
 * An RPC failure as Telegram reports it (`rpc_error#2144ca19 error_code:int error_message:string`):
 * handlers throw it, the wire turns it into `rpc_error` in one place.
 */
export class RpcError extends Error {
  readonly code: number
  readonly text: string

  constructor(
    code: number,
    text: string,
  ) {
    super(`${code} ${text}`)
    this.code = code
    this.text = text
    this.name = 'RpcError'
  }
}

/** Thrown to make the wire close the connection without answering (fault injection). */
export class DropConnectionSignal extends Error {
  constructor() {
    super('drop connection')
    this.name = 'DropConnectionSignal'
  }
}
