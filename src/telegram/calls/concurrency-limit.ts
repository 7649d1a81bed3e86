/**
 * A counting semaphore: at most `limit` tasks run at once, the rest start in arrival order.
 * Channel history reads go through one, so a window over many channels keeps a bounded number
 * of requests in flight.
 */
export type Limited = <T>(task: () => Promise<T>) => Promise<T>

export function concurrencyLimit(limit: number): Limited {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('concurrency limit must be a positive integer')
  let running = 0
  const waiting: Array<() => void> = []
  const acquire = (): Promise<void> => {
    if (running < limit) {
      running++
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => waiting.push(resolve))
  }
  // A finished task hands its slot straight to the next waiter, so no newcomer slips in between.
  const release = (): void => {
    const next = waiting.shift()
    if (next === undefined) running--
    else next()
  }
  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire()
    try {
      return await task()
    } finally {
      release()
    }
  }
}
