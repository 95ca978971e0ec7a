// A tiny typed event emitter for code that runs in pages, workers and Node (no `events` import).

/** Emits typed events; `on` returns the function that unsubscribes. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Subscribes `listener` to `type`; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  /** Calls every listener of `type`. A throwing listener does not stop the others or corrupt the
   * emitter's owner; its error is rethrown on a microtask so the bug still surfaces. */
  protected emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
