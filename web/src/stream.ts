// The node's console stream over EventSource, authenticated by the session cookie the login
// set (EventSource cannot send a bearer token).
//
// Resuming without a gap: on a dropped connection the browser reconnects by itself and sends
// Last-Event-ID; if it gave up (the node answered an error), we open a new EventSource with
// ?after=<last id seen>. Every (re)open also calls `onOpen`, so the console re-reads the alert
// list: that catches messages the stream does not carry to this partner (its own posts).

import type { StreamNotification } from "./types";

const RETRY_MS = [1000, 2000, 5000];

export interface StreamHandlers {
  onNotification(notification: StreamNotification): void;
  onOpen(): void;
  onState(connected: boolean): void;
  /** Called before a fresh EventSource is made: the session cookie may need renewing. */
  renew(): Promise<void>;
}

export class LiveStream {
  private source: EventSource | null = null;
  private lastSeq: number | null = null;
  private retries = 0;
  private timer: number | undefined;

  constructor(private readonly handlers: StreamHandlers) {}

  open(): void {
    this.close();
    const url = this.lastSeq === null ? "/api/v1/stream" : `/api/v1/stream?after=${this.lastSeq}`;
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("open", () => {
      this.retries = 0;
      this.handlers.onState(true);
      this.handlers.onOpen();
    });
    source.addEventListener("notification", (event: MessageEvent<string>) => {
      const seq = Number(event.lastEventId);
      if (Number.isFinite(seq)) this.lastSeq = seq;
      this.handlers.onNotification(JSON.parse(event.data) as StreamNotification);
    });
    source.addEventListener("error", () => {
      this.handlers.onState(false);
      if (source.readyState === EventSource.CLOSED) this.reopenLater();
    });
  }

  close(): void {
    window.clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
  }

  private reopenLater(): void {
    const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)] ?? 5000;
    this.retries += 1;
    this.timer = window.setTimeout(() => {
      this.handlers
        .renew()
        .then(() => this.open())
        .catch(() => this.reopenLater());
    }, delay);
  }
}
