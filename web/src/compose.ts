// The coordinator's form: a new alert for chosen zones, or a Cancel of an active one. What it
// sends is CAP (cap_build.ts); it says "accepted" only when the node answered 2xx.

import type { Api } from "./api";
import { alertMessage, cancelMessage, newIdentifier, type ResponseType } from "./cap_build";
import { fill, h } from "./dom";
import { LANGUAGES, LANGUAGE_NAMES, type Locale } from "./i18n";
import type { ActiveAlert } from "./picture";
import type { CapAlert, CapStatus, Language, Profile, ZoneFeature } from "./types";

const RESPONSES: readonly ResponseType[] = ["Prepare", "Shelter", "AllClear"];
const STATUSES: readonly CapStatus[] = ["Exercise", "Actual", "Test"];

/** What the officer has entered so far; kept across re-renders (a language switch). */
interface Draft {
  kind: "alert" | "cancel";
  status: CapStatus;
  event: string | null;
  response: ResponseType;
  expiresMinutes: number;
  zones: ZoneFeature[];
  headlines: Partial<Record<Language, string>>;
  thread: string | null;
}

export class ComposeForm {
  readonly element = h("section", { class: "tb-compose", "aria-labelledby": "tb-compose-title" });
  private readonly chips = h("ul", { class: "tb-chips" });
  private readonly result = h("p", { role: "status", "data-testid": "compose-result" });
  private draft: Draft = this.emptyDraft();

  constructor(
    private readonly api: Api,
    private readonly locale: Locale,
    private readonly profile: Profile,
    private readonly zones: () => ZoneFeature[],
    private readonly active: () => ActiveAlert[],
    private readonly zoneName: (zone: ZoneFeature) => string,
    /** Told after the node accepted a message (the console re-reads the picture). */
    private readonly accepted: () => void,
  ) {
    this.render();
  }

  private emptyDraft(): Draft {
    return { kind: "alert", status: "Exercise", event: null, response: "Prepare", expiresMinutes: 30, zones: [], headlines: {}, thread: null };
  }

  render(): void {
    const t = this.locale.t;
    const kindChoice = (kind: Draft["kind"], label: string): HTMLElement =>
      h("label", {}, h("input", { type: "radio", name: "tb-kind", value: kind, checked: this.draft.kind === kind, onchange: () => { this.draft.kind = kind; this.render(); } }), label);
    fill(
      this.element,
      h("h2", { id: "tb-compose-title" }, t.compose),
      h("fieldset", { class: "tb-kind" }, h("legend", {}, t.formKind), kindChoice("alert", t.formNewAlert), kindChoice("cancel", t.formCancel)),
      this.draft.kind === "alert" ? this.alertForm() : this.cancelForm(),
      this.result,
    );
  }

  private alertForm(): HTMLFormElement {
    const t = this.locale.t;
    const draft = this.draft;
    const search = h("input", { id: "tb-zone-search", list: "tb-zone-names", placeholder: t.formZoneSearch, autocomplete: "off" });
    const addZone = (): void => {
      const zone = this.zones().find((z) => this.zoneName(z) === search.value.trim());
      if (zone !== undefined && !draft.zones.includes(zone)) draft.zones.push(zone);
      search.value = "";
      this.renderChips();
    };
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addZone();
      }
    });
    search.addEventListener("change", addZone);
    const headlineInputs = LANGUAGES.map((language) =>
      h("input", { name: `headline-${language}`, lang: language, dir: language === "en" ? "ltr" : "rtl", value: this.headline(language),
        oninput: (event: Event) => { draft.headlines[language] = (event.target as HTMLInputElement).value; } }),
    );
    const refreshHeadlines = (): void => headlineInputs.forEach((input, i) => { input.value = this.headline(LANGUAGES[i] ?? "en"); });
    const form = h(
      "form",
      { id: "tb-alert-form", novalidate: true },
      h("label", {}, t.formStatus,
        h("select", { name: "status", onchange: (e: Event) => { draft.status = (e.target as HTMLSelectElement).value as CapStatus; } },
          ...STATUSES.map((s) => h("option", { value: s, selected: s === draft.status }, t.status[s] ?? s)))),
      h("label", {}, t.formEvent,
        h("input", { name: "event", value: draft.event ?? t.formEventDefault, oninput: (e: Event) => { draft.event = (e.target as HTMLInputElement).value; refreshHeadlines(); } })),
      h("label", {}, t.formResponse,
        h("select", { name: "response", onchange: (e: Event) => { draft.response = (e.target as HTMLSelectElement).value as ResponseType; refreshHeadlines(); } },
          ...RESPONSES.map((r) => h("option", { value: r, selected: r === draft.response }, t.headlines[r] ?? r)))),
      h("label", {}, t.formZones, search,
        h("datalist", { id: "tb-zone-names" }, ...this.zones().map((z) => h("option", { value: this.zoneName(z) })))),
      this.chips,
      h("label", {}, t.formExpires,
        h("input", { name: "expires", type: "number", min: 1, max: 1440, value: draft.expiresMinutes, oninput: (e: Event) => { draft.expiresMinutes = Number((e.target as HTMLInputElement).value) || 30; } })),
      ...LANGUAGES.map((language, i) => h("label", {}, `${t.formHeadline} (${LANGUAGE_NAMES[language]})`, headlineInputs[i] ?? null)),
      h("button", { type: "submit", class: "tb-primary" }, t.formSubmit),
    );
    this.renderChips();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.sendAlert(form);
    });
    return form;
  }

  /** The headline the officer typed, else one written from the event and warning. */
  private headline(language: Language): string {
    const typed = this.draft.headlines[language];
    if (typed !== undefined) return typed;
    const words = this.locale.strings(language);
    const event = language === this.locale.language ? (this.draft.event ?? words.formEventDefault) : words.formEventDefault;
    return `${event}: ${words.headlines[this.draft.response] ?? ""}`;
  }

  private renderChips(): void {
    const t = this.locale.t;
    fill(this.chips, ...this.draft.zones.map((zone) =>
      h("li", {}, this.zoneName(zone), " ",
        h("button", { type: "button", "aria-label": `${t.remove} ${this.zoneName(zone)}`, onclick: () => { this.draft.zones = this.draft.zones.filter((z) => z !== zone); this.renderChips(); } }, "×")),
    ));
  }

  private async sendAlert(form: HTMLFormElement): Promise<void> {
    const draft = this.draft;
    if (draft.zones.length === 0) return this.show(false, this.locale.t.formNeedsZone);
    const now = new Date();
    const message = alertMessage(
      {
        status: draft.status,
        event: (draft.event ?? this.locale.t.formEventDefault).trim(),
        response: draft.response,
        zones: draft.zones,
        expiresMinutes: draft.expiresMinutes,
        headlines: { en: this.headline("en"), he: this.headline("he"), ar: this.headline("ar") },
        sender: this.profile.senders[0] ?? "",
        senderName: this.profile.partner.name,
      },
      newIdentifier(this.profile.partner.id, now),
      now,
    );
    await this.send(form, message);
  }

  private cancelForm(): HTMLFormElement {
    const t = this.locale.t;
    const active = this.active();
    this.draft.thread ??= active[0]?.threadId ?? null;
    const form = h(
      "form",
      { id: "tb-cancel-form" },
      h("label", {}, t.formCancelWhich,
        h("select", { name: "thread", onchange: (e: Event) => { this.draft.thread = (e.target as HTMLSelectElement).value; } },
          ...active.map((a) => h("option", { value: a.threadId, selected: a.threadId === this.draft.thread },
            `${t.status[a.latest.status] ?? a.latest.status} · ${t.stage[a.latest.stage]} · ${a.latest.identifier}`)))),
      h("button", { type: "submit", class: "tb-primary" }, t.formSubmit),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const alert = active.find((a) => a.threadId === this.draft.thread);
      if (alert === undefined) return this.show(false, t.formNeedsAlert);
      const now = new Date();
      void this.send(form, cancelMessage(alert.messages, this.profile.senders[0] ?? "", t.cancelNote, newIdentifier(this.profile.partner.id, now), now));
    });
    return form;
  }

  private async send(form: HTMLFormElement, message: CapAlert): Promise<void> {
    const t = this.locale.t;
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button !== null) {
      button.disabled = true;
      button.textContent = t.formSending;
    }
    try {
      const answer = await this.api.post(message);
      this.draft = { ...this.emptyDraft(), kind: this.draft.kind };
      this.render();
      this.show(true, `${t.formAccepted}: ${answer.alert.id}`);
      this.accepted();
    } catch (error) {
      if (button !== null) {
        button.disabled = false;
        button.textContent = t.formSubmit;
      }
      this.show(false, `${t.formRefused}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private show(ok: boolean, text: string): void {
    this.result.className = ok ? "tb-ok" : "tb-error";
    this.result.textContent = text;
  }
}
