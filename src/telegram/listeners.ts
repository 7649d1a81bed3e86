/** Listeners of one kind of event, told in the order they were added; `add` gives the unsubscribe. */
export class Listeners<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>()

  add(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  emit(...args: A): void {
    this.#listeners.forEach((listener) => listener(...args))
  }
}
