// Past messages, one event (thread) at a time: its lifecycle from Alert to Cancel or all
// clear, each partner's acknowledgements in order, and each message's CAP XML to download.

import type { Api } from "./api";
import { fill, h, ltr } from "./dom";
import type { Locale } from "./i18n";
import type { AckView, AlertSummary, PartnerView } from "./types";

export class HistoryView {
  readonly element = h("section", { class: "tb-history", "data-testid": "history" });
  private messages: AlertSummary[] = [];
  private readonly acks = new Map<string, AckView[]>();
  private readonly open = new Set<string>();

  constructor(
    private readonly api: Api,
    private readonly locale: Locale,
    private readonly partners: Map<string, PartnerView>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Whether any message shown is not Actual (the exercise banner must then show). */
  get showsNonActual(): boolean {
    return this.messages.some((m) => m.status !== "Actual");
  }

  async load(): Promise<void> {
    this.messages = await this.api.alerts(500);
    await Promise.all([...this.open].map((thread) => this.loadAcks(thread)));
    this.render();
  }

  render(): void {
    const t = this.locale.t;
    const threads = new Map<string, AlertSummary[]>();
    for (const message of [...this.messages].reverse()) {
      threads.set(message.threadId, [...(threads.get(message.threadId) ?? []), message]);
    }
    const ordered = [...threads.entries()].reverse();
    fill(
      this.element,
      h("header", {}, h("h2", {}, t.history), h("button", { type: "button", onclick: () => void this.load().catch(this.onError) }, t.reload)),
      ordered.length === 0 ? h("p", { class: "tb-empty" }, t.historyEmpty) : null,
      ...ordered.map(([threadId, messages]) => this.thread(threadId, messages)),
    );
  }

  private thread(threadId: string, messages: AlertSummary[]): HTMLElement {
    const t = this.locale.t;
    const first = messages[0];
    const last = messages[messages.length - 1];
    const details = h(
      "details",
      { class: "tb-thread", "data-thread": threadId, open: this.open.has(threadId) },
      h("summary", {},
        ...[...new Set(messages.map((m) => m.status))].map((status) => h("span", { class: `tb-chip tb-chip-status tb-status-${status.toLowerCase()}` }, t.status[status] ?? status)),
        h("span", { class: `tb-chip tb-chip-stage tb-stage-${last?.stage ?? "none"}` }, t.stage[last?.stage ?? "none"]),
        ` ${t.thread}: ${first?.identifier ?? threadId} · `, ltr(first ? this.locale.dateTime(first.sent) : "")),
      h("table", { class: "tb-lifecycle" },
        h("tbody", {}, ...messages.map((m) =>
          h("tr", { "data-alert": m.id },
            h("td", {}, ltr(this.locale.dateTime(m.sent))),
            h("td", {}, h("span", { class: `tb-chip tb-chip-status tb-status-${m.status.toLowerCase()}` }, t.status[m.status] ?? m.status)),
            h("td", {}, t.msgType[m.msgType] ?? m.msgType),
            h("td", {}, t.stage[m.stage]),
            h("td", {}, h("bdi", {}, this.partners.get(m.partner)?.name ?? m.partner)),
            h("td", {}, h("button", { type: "button", class: "tb-link", onclick: () => void this.download(m).catch(this.onError) }, t.downloadXml)),
          )))),
      this.ackTimeline(threadId),
    );
    details.addEventListener("toggle", () => {
      if (details.open && !this.open.has(threadId)) {
        this.open.add(threadId);
        void this.loadAcks(threadId).then(() => this.render()).catch(this.onError);
      } else if (!details.open) this.open.delete(threadId);
    });
    return details;
  }

  private ackTimeline(threadId: string): HTMLElement {
    const t = this.locale.t;
    const acks = this.acks.get(threadId);
    if (acks === undefined) return h("p", {}, "…");
    if (acks.length === 0) return h("p", { class: "tb-empty" }, t.noAcks);
    return h("ol", { class: "tb-ack-timeline", "aria-label": t.acks },
      ...[...acks].sort((a, b) => a.at.localeCompare(b.at)).map((ack) =>
        h("li", { "data-partner": ack.partner }, ltr(this.locale.time(ack.at)), " ", h("bdi", {}, this.partners.get(ack.partner)?.name ?? ack.partner), ` — ${t.via[ack.via] ?? ack.via}`)));
  }

  private async loadAcks(threadId: string): Promise<void> {
    const first = this.messages.find((m) => m.threadId === threadId);
    if (first !== undefined) this.acks.set(threadId, await this.api.acks(first.id));
  }

  private async download(message: AlertSummary): Promise<void> {
    const url = URL.createObjectURL(await this.api.alertXml(message.id));
    const link = h("a", { href: url, download: `${message.identifier}.xml` });
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked once the browser has started the download.
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
