// The console once logged in: the map and the side panel (alerts, threats, history, the
// coordinator's form), kept current by the stream and a short poll, with the alarm, the
// exercise banner and the connection state.

import type { FeatureCollection } from "geojson";
import { Alarm, flash } from "./alarm";
import { AlertList, type AlertAction } from "./alert_list";
import type { Api } from "./api";
import { ComposeForm } from "./compose";
import { byId, fill, h, ltr } from "./dom";
import { HistoryView } from "./history";
import { countdown, direction, isLanguage, LANGUAGE_NAMES, LANGUAGES, type Locale } from "./i18n";
import { ConsoleMap } from "./map";
import { ResponsePanel } from "./response_panel";
import { Picture, type ActiveAlert, type AlertZone } from "./picture";
import { LiveStream } from "./stream";
import type { AckView, AlertDetail, PartnerView, Profile, StreamNotification, Threat, ZoneCollection, ZoneFeature } from "./types";

const POLL_MS = 1500;
const RESYNC_EVERY_POLLS = 8;
type Tab = "alerts" | "respond" | "history" | "compose";

export class Console {
  private readonly picture: Picture;
  private readonly zoneById = new Map<string, ZoneFeature>();
  private readonly partners: Map<string, PartnerView>;
  private readonly alarm: Alarm;
  private readonly stream: LiveStream;
  private readonly list: AlertList;
  private readonly history: HistoryView;
  private readonly compose: ComposeForm | null;
  private readonly responses: ResponsePanel;
  private readonly map: ConsoleMap;
  private readonly acking = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly fetching = new Map<string, Promise<void>>();
  private streamUp = false;
  private pollUp = true;
  private wasDown = false;
  private loaded = false;
  private polls = 0;
  private tab: Tab = "alerts";
  private headerState = "";

  // The page's parts, built once and re-labelled on a language switch.
  private readonly frame = byId<HTMLElement>("app");
  private readonly header = h("header", { class: "tb-top" });
  private readonly exerciseBanner = h("div", { class: "tb-exercise-banner", role: "alert", "data-testid": "exercise-banner", hidden: true });
  private readonly lostBanner = h("div", { class: "tb-lost-banner", role: "alert", "data-testid": "connection-lost", hidden: true });
  private readonly error = h("div", { class: "tb-error-banner", role: "alert", hidden: true });
  private readonly tabs = h("nav", { class: "tb-tabs", role: "tablist" });
  private readonly panel = h("div", { class: "tb-panel-body" });
  private readonly threatList = h("ul", { class: "tb-threats", "data-testid": "threat-list" });

  constructor(
    private readonly api: Api,
    private readonly profile: Profile,
    private readonly locale: Locale,
    zones: ZoneCollection,
  ) {
    for (const zone of zones.features) this.zoneById.set(zone.id, zone);
    this.partners = new Map(profile.partners.map((p) => [p.id, p]));
    this.picture = new Picture((id) => this.zoneById.get(id)?.properties);
    this.alarm = new Alarm(() => this.renderHeader());
    const mapElement = h("div", { class: "tb-map", "data-testid": "map" });
    fill(this.frame,
      this.header, this.exerciseBanner, this.lostBanner, this.error,
      h("main", { class: "tb-main" }, mapElement, h("aside", { class: "tb-panel" }, this.tabs, this.panel)));
    this.map = new ConsoleMap(mapElement, (zone) => this.zoneLabel(zone));
    this.map.setDirection(direction(locale.language));
    this.map.showZones(zones, profile.partner.role === "coordinator" ? null : profile.partner.id);
    this.list = new AlertList({
      locale,
      partners: this.partners,
      acks: (thread) => this.picture.acks.get(thread) ?? [],
      zoneName: (zone, language) => this.alertZoneName(zone, language),
      zoneOwner: (id) => this.zoneById.get(id)?.properties.partner,
      actions: [this.acknowledgeAction()],
      actionState: (alert) => (this.acking.has(alert.threadId) ? "acknowledging" : ""),
      select: (alert) => this.map.focus(alert.zones.flatMap((z) => (z.zoneId === null ? [] : [z.zoneId]))),
    });
    this.history = new HistoryView(api, locale, this.partners, (e) => this.showError(e));
    this.responses = new ResponsePanel({
      api, locale, profile, partners: this.partners,
      zoneName: (id) => { const zone = this.zoneById.get(id); return zone === undefined ? id : this.zoneLabel(zone); },
      changed: () => this.renderPanel(),
      error: (e, prefix) => this.showError(e, prefix),
    });
    this.compose = profile.partner.role === "coordinator"
      ? new ComposeForm(api, locale, profile, () => zones.features, () => this.picture.active(Date.now()), (z) => this.zoneLabel(z), () => void this.resync())
      : null;
    this.stream = new LiveStream({
      onNotification: (n) => this.notified(n),
      onOpen: () => void this.resync(),
      onState: (up) => {
        this.streamUp = up;
        this.renderConnection();
      },
      renew: async () => {
        await this.api.logIn();
      },
    });
    locale.onChange(() => this.relabel());
    document.addEventListener("keydown", (event) => this.shortcut(event));
  }

  start(): void {
    this.relabel();
    void fetch("/console/countries.json")
      .then((r) => r.json() as Promise<FeatureCollection>)
      .then((countries) => this.map.showCountries(countries))
      .catch((e: unknown) => this.showError(e));
    this.stream.open();
    void this.poll();
    window.setInterval(() => void this.poll(), POLL_MS);
    window.setInterval(() => this.list.tick(Date.now()), 250);
  }

  // --- keeping the picture current ------------------------------------------------------

  /** Re-read the message list: at start, after every (re)connection, and now and then. */
  private async resync(): Promise<void> {
    try {
      const summaries = await this.api.alerts(200);
      for (const summary of summaries) this.picture.add(summary);
      const missing = this.picture.activeWarnings(Date.now()).filter((s) => !this.picture.details.has(s.id));
      await Promise.all(missing.map((s) => this.fetchDetail(s.id)));
      await this.refreshAcks();
      this.loadResponses();
      if (!this.loaded) for (const summary of summaries) this.seen.add(summary.id);
      this.loaded = true;
      this.update();
    } catch (error) {
      this.showError(error);
    }
  }

  private notified(notification: StreamNotification): void {
    // A request to respond comes as a message; where a response stands, as a notice.
    this.loadResponses();
    if (notification.type === "response") return;
    void this.fetchDetail(notification.alert)
      .then(() => this.update())
      .catch((e: unknown) => this.showError(e));
  }

  private fetchDetail(id: string): Promise<void> {
    if (this.picture.details.has(id)) return Promise.resolve();
    let pending = this.fetching.get(id);
    if (pending === undefined) {
      pending = this.api.alert(id).then((detail) => this.received(detail)).finally(() => this.fetching.delete(id));
      this.fetching.set(id, pending);
    }
    return pending;
  }

  private received(detail: AlertDetail): void {
    this.picture.addDetail(detail);
    if (this.loaded && !this.seen.has(detail.id) && detail.stage === "take_shelter") flash(this.frame);
    this.seen.add(detail.id);
  }

  private loadResponses(): void {
    void this.responses.load().catch((e: unknown) => this.showError(e));
  }

  private async poll(): Promise<void> {
    this.polls += 1;
    try {
      this.picture.threats = await this.api.threats();
      await this.refreshAcks();
      this.pollUp = true;
    } catch {
      this.pollUp = false;
    }
    this.renderConnection();
    if (this.pollUp && this.polls % RESYNC_EVERY_POLLS === 0) await this.resync();
    else this.update();
  }

  private async refreshAcks(): Promise<void> {
    const active = this.picture.active(Date.now());
    if (active.length === 0) return;
    // One request for all: a request per alert would queue a new alert's fetch behind them.
    const acks = await this.api.acksOf(active.map((a) => a.latest.id));
    for (const alert of active) this.picture.acks.set(alert.threadId, acks[alert.latest.id] ?? []);
  }

  // --- acknowledging ----------------------------------------------------------------------

  private acknowledgeAction(): AlertAction {
    return {
      render: (alert) => {
        const t = this.locale.t;
        if (alert.latest.partner === this.profile.partner.id) return null;
        const mine = this.myAck(alert.threadId);
        if (mine !== undefined) {
          return h("span", { class: "tb-acked", "data-testid": "acked" }, `✓ ${t.acknowledged} `, ltr(this.locale.time(mine.at)));
        }
        const sending = this.acking.has(alert.threadId);
        return h("button", {
          type: "button", class: "tb-primary tb-ack", "data-testid": "ack", disabled: sending,
          "aria-keyshortcuts": "A", title: `${t.acknowledge} (${t.ackShortcut})`,
          onclick: (event: Event) => {
            event.stopPropagation();
            void this.acknowledge(alert);
          },
        }, sending ? t.acknowledging : `${t.acknowledge} (${t.ackShortcut})`);
      },
    };
  }

  private myAck(threadId: string): AckView | undefined {
    return this.picture.acks.get(threadId)?.find((a) => a.partner === this.profile.partner.id);
  }

  /** Acknowledge; the item shows it only once the node has answered. */
  private async acknowledge(alert: ActiveAlert): Promise<void> {
    if (this.acking.has(alert.threadId) || this.myAck(alert.threadId) !== undefined) return;
    this.acking.add(alert.threadId);
    this.update();
    try {
      const ack = await this.api.acknowledge(alert.latest.id);
      const others = (this.picture.acks.get(alert.threadId) ?? []).filter((a) => a.partner !== ack.partner);
      this.picture.acks.set(alert.threadId, [...others, ack]);
    } catch (error) {
      this.showError(error, this.locale.t.ackFailed);
    } finally {
      this.acking.delete(alert.threadId);
      this.update();
    }
  }

  private shortcut(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof Element && event.target.closest("input, textarea, select") !== null) return;
    // By key position, so it is the same key on Hebrew and Arabic keyboards.
    if (event.code !== "KeyA") return;
    const next = this.picture.active(Date.now()).find((a) => a.latest.partner !== this.profile.partner.id && this.myAck(a.threadId) === undefined);
    if (next !== undefined) {
      event.preventDefault();
      void this.acknowledge(next);
    }
  }

  // --- rendering --------------------------------------------------------------------------

  private update(): void {
    const now = Date.now();
    const active = this.picture.active(now);
    this.list.render(active, now);
    this.renderThreats(now);
    this.map.setStages(this.picture.zoneStages(now));
    this.map.setAreas(active.flatMap((alert) =>
      alert.zones.filter((z) => z.zoneId === null || !this.zoneById.has(z.zoneId)).map((z) => ({ area: z.area, stage: alert.latest.stage, alertId: alert.latest.id }))));
    this.map.setThreats(this.picture.threats, (threat) => this.threatLabel(threat));
    this.alarm.set(active.filter((a) => a.latest.partner !== this.profile.partner.id && this.myAck(a.threadId) === undefined).map((a) => a.threadId));
    this.renderExercise(active);
  }

  private renderExercise(active: ActiveAlert[]): void {
    const nonActual =
      active.some((a) => a.latest.status !== "Actual") ||
      this.picture.threats.some((t) => t.status !== "Actual") ||
      (this.tab === "history" && this.history.showsNonActual);
    this.exerciseBanner.hidden = !nonActual;
    this.exerciseBanner.textContent = this.locale.t.exerciseBanner;
    this.frame.classList.toggle("tb-exercise", nonActual);
  }

  private renderConnection(): void {
    const up = this.streamUp && this.pollUp;
    this.lostBanner.hidden = up;
    this.frame.classList.toggle("tb-lost", !up);
    if (!up) this.wasDown = true;
    else if (this.wasDown) {
      this.wasDown = false;
      void this.resync();
    }
    this.renderHeader();
  }

  private renderThreats(now: number): void {
    const t = this.locale.t;
    const threats = this.picture.threats;
    fill(this.threatList, ...(threats.length === 0 ? [h("li", { class: "tb-empty" }, t.noThreats)] : threats.map((threat) =>
      h("li", { class: "tb-threat-item", "data-threat": threat.id },
        h("span", { class: `tb-chip tb-chip-status tb-status-${threat.status.toLowerCase()}` }, t.status[threat.status] ?? threat.status),
        ` ${t.threatClass[threat.class] ?? threat.class} · `,
        ltr(`${Math.round(threat.state.speedMps * 3.6)} km/h`),
        threat.firstEta === null ? "" : h("span", {}, ` · ${t.eta} `, ltr(countdown((Date.parse(threat.firstEta) - now) / 1000))),
        ` · ${t.zones}: ${threat.zones.length}`))));
  }

  private renderHeader(): void {
    const t = this.locale.t;
    const up = this.streamUp && this.pollUp;
    // Rebuilt only when something in it changed: an open language menu must stay open.
    const state = `${this.locale.language} ${up} ${this.alarm.enabled}`;
    if (state === this.headerState) return;
    this.headerState = state;
    const languages = h("select", { "aria-label": t.language, "data-testid": "language",
      onchange: (e: Event) => { const v = (e.target as HTMLSelectElement).value; if (isLanguage(v)) this.locale.set(v); } },
      ...LANGUAGES.map((l) => h("option", { value: l, selected: l === this.locale.language, lang: l }, LANGUAGE_NAMES[l])));
    fill(this.header,
      h("h1", {}, "tanbih ", h("bdi", { class: "tb-sub" }, this.profile.partner.name)),
      h("span", { class: up ? "tb-conn tb-conn-up" : "tb-conn tb-conn-down", "data-testid": "connection" }, up ? t.live : t.connectionLost),
      this.alarm.enabled
        ? h("span", { class: "tb-sound-on" }, `🔊 ${t.soundOn}`)
        : h("button", { type: "button", class: "tb-sound", "data-testid": "enable-sound", onclick: () => void this.alarm.enable() }, `🔈 ${t.enableSound}`),
      languages,
      h("button", { type: "button", onclick: () => void this.logOut() }, t.logOut));
  }

  private renderPanel(): void {
    const t = this.locale.t;
    const tab = (id: Tab, label: string): HTMLElement =>
      h("button", { type: "button", role: "tab", "aria-selected": String(this.tab === id), "data-tab": id, onclick: () => this.show(id) }, label);
    const awaiting = this.responses.openRequests;
    const respond = tab("respond", awaiting > 0 ? `${t.respondTab} (${awaiting})` : t.respondTab);
    respond.classList.toggle("tb-tab-urgent", awaiting > 0);
    fill(this.tabs, tab("alerts", t.activeAlerts), respond, tab("history", t.history), this.compose && tab("compose", t.compose));
    if (this.tab === "alerts") {
      fill(this.panel, h("h2", {}, t.activeAlerts), this.list.element, h("h2", {}, t.threats), this.threatList);
    } else if (this.tab === "respond") {
      fill(this.panel, this.responses.element);
    } else if (this.tab === "history") {
      fill(this.panel, this.history.element);
    } else if (this.compose !== null) {
      fill(this.panel, this.compose.element);
    }
  }

  private show(tab: Tab): void {
    this.tab = tab;
    this.renderPanel();
    if (tab === "history") {
      this.history.render();
      void this.history.load().then(() => this.update()).catch((e: unknown) => this.showError(e));
    }
    this.update();
  }

  private relabel(): void {
    this.map.setDirection(direction(this.locale.language));
    this.renderHeader();
    this.renderPanel();
    this.compose?.render();
    this.history.render();
    this.responses.render();
    this.lostBanner.textContent = this.locale.t.connectionLost;
    this.update();
  }

  private showError(error: unknown, prefix = ""): void {
    const text = error instanceof Error ? error.message : String(error);
    this.error.textContent = prefix ? `${prefix}: ${text}` : text;
    this.error.hidden = false;
    window.setTimeout(() => { this.error.hidden = true; }, 8000);
  }

  private async logOut(): Promise<void> {
    this.stream.close();
    await this.api.logOut();
    this.api.forget();
    window.location.reload();
  }

  // --- names ------------------------------------------------------------------------------

  private zoneLabel(zone: ZoneFeature): string {
    const names = zone.properties.names;
    return names[this.locale.language] ?? names["en"] ?? zone.id;
  }

  private alertZoneName(zone: AlertZone, language: string): string {
    const known = zone.zoneId === null ? undefined : this.zoneById.get(zone.zoneId);
    if (known !== undefined) return this.zoneLabel(known);
    return zone.names.get(language) ?? zone.area.areaDesc;
  }

  private threatLabel(threat: Threat): string {
    const t = this.locale.t;
    return `${t.status[threat.status] ?? threat.status} · ${t.threatClass[threat.class] ?? threat.class} · ${Math.round(threat.state.speedMps * 3.6)} km/h`;
  }
}
