// The live stream: one EventSource on /v1/stream (the session cookie authenticates it), resumed
// after the last entry seen. The server filters it by release like every other read, so each
// listener only ever hears of entries released to the member's party.

export class Live {
  constructor(onStatus = () => {}) {
    this.listeners = [];
    this.source = null;
    this.after = 0;
    this.onStatus = onStatus;
    this.received = 0;
  }

  /** Call `fn(entry)` for each new entry whose kind starts with one of `prefixes` (all if none). */
  on(prefixes, fn) {
    const listener = { prefixes: [].concat(prefixes || []), fn };
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  start(after) {
    this.stop();
    this.after = Math.max(this.after, after || 0);
    this.source = new EventSource(`/v1/stream?after=${this.after}`, { withCredentials: true });
    this.onStatus("connecting");
    this.source.onopen = () => this.onStatus("live");
    this.source.onerror = () => this.onStatus(this.source?.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    this.source.addEventListener("entry", (event) => {
      const entry = JSON.parse(event.data);
      this.after = Math.max(this.after, entry.seq);
      this.received += 1;
      for (const { prefixes, fn } of this.listeners) {
        if (!prefixes.length || prefixes.some((p) => entry.kind === p || entry.kind.startsWith(p))) {
          try {
            fn(entry);
          } catch (error) {
            console.error("a live listener failed", error);
          }
        }
      }
    });
  }

  stop() {
    if (this.source) this.source.close();
    this.source = null;
    this.onStatus("off");
  }
}
