/**
 * Questions asked on a terminal, one line per answer, for `npm run sign-in`. Answers are read
 * from an async iterator over the input's lines, so a piped input (every answer written at
 * once) loses none of them. A hidden question (the two-step password) mutes the echo when the
 * input is a terminal; a piped input is never echoed anyway.
 */
import { createInterface, type Interface } from 'node:readline'
import { Writable } from 'node:stream'

/** The input ended (end of file, Ctrl-D, Ctrl-C) before an answer was given. */
export class PromptClosedError extends Error {
  constructor() {
    super('the input ended before the question was answered')
    this.name = 'PromptClosedError'
  }
}

export class TerminalPrompt {
  readonly #readline: Interface
  readonly #lines: AsyncIterator<string>
  readonly #output: NodeJS.WritableStream
  /** A terminal echoes the answer and its Enter; a pipe echoes nothing. */
  readonly #terminal: boolean
  #muted = false

  constructor(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream) {
    this.#output = output
    this.#terminal = input.isTTY === true
    // readline echoes what is typed through its output; this sink drops it while muted.
    const echo = new Writable({
      write: (chunk, _encoding, callback) => {
        if (!this.#muted) output.write(chunk)
        callback()
      },
    })
    this.#readline = createInterface({ input, output: echo, terminal: this.#terminal })
    // Ctrl-C at a question ends the conversation like the end of the input does.
    this.#readline.on('SIGINT', () => this.#readline.close())
    this.#lines = this.#readline[Symbol.asyncIterator]()
  }

  /** Writes `question` and resolves with the next line (trimmed unless hidden). */
  async ask(question: string, options: { hidden?: boolean } = {}): Promise<string> {
    const hidden = options.hidden === true
    this.#output.write(question)
    this.#muted = hidden
    try {
      const next = await this.#lines.next()
      if (next.done === true) throw new PromptClosedError()
      // A password may begin or end with a space; a phone number or a code may not.
      return hidden ? next.value : next.value.trim()
    } finally {
      this.#muted = false
      // The line break the muted (or absent) echo did not show.
      if (hidden || !this.#terminal) this.#output.write('\n')
    }
  }

  /** Writes one line. */
  say(line: string): void {
    this.#output.write(`${line}\n`)
  }

  close(): void {
    this.#readline.close()
  }
}
