/**
 * Concurrent callers with the same key share one run of the work, like Go's
 * singleflight. The work runs detached from every caller's AbortSignal: a
 * caller that gives up gets its own abort error at once, while the others
 * (and the work, which may already have spent a single-use token) carry on.
 * Written by hand because the libraries that dedupe promises (p-memoize,
 * dataloader) cache results or tie the work to the first caller's signal.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** Number of keys with work running now. */
  get size(): number {
    return this.#inFlight.size;
  }

  /**
   * @example
   * const flight = new SingleFlight<string>();
   * const token = await flight.do(`github:${userId}`, () => refresh(), { signal });
   */
  do(key: string, work: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    // A caller that has already given up starts nothing.
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    let shared = this.#inFlight.get(key);
    if (!shared) {
      shared = work().finally(() => this.#inFlight.delete(key));
      // Every caller may have given up by the time the work fails: its
      // rejection is theirs to see, never an unhandled one that ends the process.
      shared.catch(() => {});
      this.#inFlight.set(key, shared);
    }
    return withSignal(shared, options.signal);
  }
}

function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
