// The list of active alerts, most urgent first: per zone the countdown to its ETA and its time
// to shelter, and per partner concerned whether it has acknowledged. Items are kept between
// renders (keyed by message) so a button keeps its focus while countdowns tick.

import { fill, h, ltr } from "./dom";
import { countdown, type Locale } from "./i18n";
import { infoIn, type ActiveAlert, type AlertZone } from "./picture";
import type { AckView, PartnerView } from "./types";

const ZONES_SHOWN = 12;

/** Something the officer can do on an active alert (acknowledge now; respond will join it). */
export interface AlertAction {
  render(alert: ActiveAlert): HTMLElement | null;
}

export interface ListContext {
  locale: Locale;
  partners: Map<string, PartnerView>;
  acks(threadId: string): AckView[];
  zoneName(zone: AlertZone, language: string): string;
  zoneOwner(zoneId: string): string | undefined;
  actions: AlertAction[];
  /** Whatever else changes an item's actions (an acknowledgement on its way). */
  actionState(alert: ActiveAlert): string;
  select(alert: ActiveAlert): void;
}

export class AlertList {
  readonly element = h("ol", { class: "tb-alerts", "data-testid": "alert-list" });
  private readonly empty = h("p", { class: "tb-empty" });
  private items = new Map<string, { element: HTMLElement; signature: string }>();

  constructor(private readonly context: ListContext) {}

  render(alerts: ActiveAlert[], now: number): void {
    const { locale } = this.context;
    const kept = new Map<string, { element: HTMLElement; signature: string }>();
    const elements = alerts.map((alert) => {
      const signature = JSON.stringify([locale.language, this.context.acks(alert.threadId), this.context.actionState(alert)]);
      const previous = this.items.get(alert.latest.id);
      const item = previous !== undefined && previous.signature === signature ? previous : { element: this.item(alert), signature };
      kept.set(alert.latest.id, item);
      return item.element;
    });
    this.items = kept;
    this.empty.textContent = locale.t.noActiveAlerts;
    const shown = elements.length > 0 ? elements : [this.empty];
    // Re-attaching the same items would blur a focused button: only touch the list on change.
    const children = [...this.element.children];
    if (shown.length !== children.length || shown.some((e, i) => e !== children[i])) fill(this.element, ...shown);
    this.tick(now);
  }

  /** Update every countdown in place. */
  tick(now: number): void {
    const t = this.context.locale.t;
    for (const cell of this.element.querySelectorAll<HTMLElement>("[data-eta]")) {
      const left = (Number(cell.dataset["eta"]) - now) / 1000;
      cell.replaceChildren(left > 0 ? ltr(countdown(left)) : t.arrived);
    }
    for (const cell of this.element.querySelectorAll<HTMLElement>("[data-act-by]")) {
      const left = (Number(cell.dataset["actBy"]) - now) / 1000;
      // "Shelter now" between the moment to start and the ETA; after it, the threat is there.
      const sheltering = left <= 0 && Number(cell.dataset["until"]) > now;
      cell.classList.toggle("tb-urgent", sheltering);
      cell.replaceChildren(left > 0 ? ltr(countdown(left)) : sheltering ? t.shelterNow : "");
    }
  }

  private item(alert: ActiveAlert): HTMLElement {
    const { locale, partners } = this.context;
    const t = locale.t;
    const detail = alert.latest;
    const info = infoIn(detail, locale.language);
    const source = partners.get(detail.partner)?.name ?? detail.partner;
    const zones = alert.zones.slice(0, ZONES_SHOWN);
    return h(
      "li",
      {
        class: `tb-alert tb-stage-${detail.stage} tb-status-${detail.status.toLowerCase()}`,
        "data-alert": detail.id,
        "data-thread": alert.threadId,
        tabindex: 0,
        onclick: () => this.context.select(alert),
      },
      h("header", {},
        h("span", { class: `tb-chip tb-chip-status tb-status-${detail.status.toLowerCase()}` }, t.status[detail.status] ?? detail.status),
        h("span", { class: `tb-chip tb-chip-stage tb-stage-${detail.stage}` }, t.stage[detail.stage]),
        h("strong", { class: "tb-headline" }, info?.headline ?? info?.event ?? detail.identifier)),
      h("p", { class: "tb-meta" },
        `${t.from}: `, h("bdi", {}, source), ` · ${t.msgType[detail.msgType] ?? detail.msgType} · ${t.sent} `, ltr(locale.time(detail.sent))),
      h("table", { class: "tb-zone-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t.zones), h("th", {}, t.eta), h("th", {}, t.shelter), h("th", {}, t.shelterIn))),
        h("tbody", {}, ...zones.map((zone) =>
          h("tr", { "data-zone": zone.zoneId ?? "" },
            h("td", {}, this.context.zoneName(zone, locale.language)),
            zone.eta === null ? h("td", {}, "—") : h("td", { "data-eta": zone.eta }),
            h("td", {}, zone.shelterSeconds === null ? "—" : ltr(String(zone.shelterSeconds)), zone.shelterSeconds === null ? "" : ` ${t.seconds}`),
            zone.eta === null ? h("td", {}, "") : h("td", { class: "tb-act-by", "data-act-by": zone.eta - (zone.shelterSeconds ?? 0) * 1000, "data-until": zone.eta }),
          ))),
      ),
      alert.zones.length > ZONES_SHOWN && h("p", { class: "tb-more" }, `+${alert.zones.length - ZONES_SHOWN}`),
      this.ackStates(alert),
      h("div", { class: "tb-actions" }, ...this.context.actions.map((action) => action.render(alert))),
    );
  }

  /** Each partner concerned (zone owners, the coordinator, anyone who acknowledged). */
  private ackStates(alert: ActiveAlert): HTMLElement {
    const { locale, partners } = this.context;
    const t = locale.t;
    const acks = this.context.acks(alert.threadId);
    const concerned = new Set<string>();
    for (const zone of alert.zones) {
      const owner = zone.zoneId === null ? undefined : this.context.zoneOwner(zone.zoneId);
      if (owner !== undefined) concerned.add(owner);
    }
    for (const partner of partners.values()) if (partner.role === "coordinator") concerned.add(partner.id);
    concerned.delete(alert.latest.partner); // the source told its own people
    for (const ack of acks) concerned.add(ack.partner);
    return h("ul", { class: "tb-acks", "aria-label": t.acks },
      ...[...concerned].map((id) => {
        const ack = acks.find((a) => a.partner === id);
        const name = partners.get(id)?.name ?? id;
        return ack === undefined
          ? h("li", { class: "tb-ack-pending", "data-partner": id }, "… ", h("bdi", {}, name), ` — ${t.awaitingAck}`)
          : h("li", { class: "tb-ack-done", "data-partner": id }, "✓ ", h("bdi", {}, name), " ", ltr(locale.time(ack.at)), ` (${t.via[ack.via] ?? ack.via})`);
      }));
  }
}
