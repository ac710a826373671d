// The response panel: the request to respond sent to this partner (accept, or decline with a
// reason), where each threat this partner may see stands, the coordinator's override, and this
// partner's capabilities, switched on and off. The node decides what each partner sees; the
// panel shows what GET /api/v1/responses answers and re-reads it when the stream says so.

import type { Api } from "./api";
import { fill, h, ltr } from "./dom";
import type { Locale } from "./i18n";
import { DECLINE_REASONS, type CapabilityView, type DeclineReason, type PartnerView, type Profile, type ResponseCase } from "./types";

export interface ResponseContext {
  api: Api;
  locale: Locale;
  profile: Profile;
  partners: Map<string, PartnerView>;
  zoneName(id: string): string;
  /** The number of requests awaiting this partner's answer changed. */
  changed(): void;
  error(error: unknown, prefix?: string): void;
}

export class ResponsePanel {
  readonly element = h("section", { class: "tb-responses", "data-testid": "responses" });
  private cases: ResponseCase[] = [];
  private capabilities: CapabilityView[] = [];
  private readonly busy = new Set<string>();
  private declining: string | null = null;
  private shown = "";
  private awaiting = 0;

  constructor(private readonly context: ResponseContext) {}

  /** Requests to respond that await this partner's answer. */
  get openRequests(): number {
    return this.mine().length;
  }

  async load(): Promise<void> {
    const [cases, capabilities] = await Promise.all([this.context.api.responses(), this.context.api.capabilities()]);
    this.cases = cases;
    this.capabilities = capabilities;
    this.render();
    if (this.openRequests !== this.awaiting) {
      this.awaiting = this.openRequests;
      this.context.changed();
    }
  }

  /** Redraw; skipped when nothing shown changed, so an open decline form keeps what is typed. */
  render(force = false): void {
    const state = JSON.stringify([this.context.locale.language, this.cases, this.capabilities, [...this.busy], this.declining]);
    if (state === this.shown && !force) return;
    this.shown = state;
    const t = this.context.locale.t;
    const mine = this.mine();
    const others = this.cases.filter((c) => !mine.includes(c));
    fill(this.element,
      h("h2", {}, t.requestsToRespond),
      mine.length === 0 ? h("p", { class: "tb-empty" }, t.noRequests) : h("ul", { class: "tb-alerts" }, ...mine.map((c) => this.request(c))),
      h("h2", {}, t.responseCases),
      others.length === 0 ? h("p", { class: "tb-empty" }, t.noResponseCases) : h("ul", { class: "tb-alerts" }, ...others.map((c) => this.standing(c))),
      h("h2", {}, t.capabilities),
      this.capabilities.length === 0 ? h("p", { class: "tb-empty" }, t.noCapabilities) : h("ul", { class: "tb-capabilities" }, ...this.capabilities.map((c) => this.capability(c))));
  }

  private mine(): ResponseCase[] {
    const me = this.context.profile.partner.id;
    return this.cases.filter((c) => c.state === "requested" && c.request?.partner === me);
  }

  private request(c: ResponseCase): HTMLElement {
    const t = this.context.locale.t;
    const busy = this.busy.has(c.threat);
    const actions = this.declining === c.threat
      ? this.declineForm(c, busy)
      : h("div", { class: "tb-actions" },
        h("button", { type: "button", class: "tb-primary", "data-testid": "response-accept", disabled: busy, onclick: () => void this.act(c, () => this.context.api.acceptResponse(c.threat)) }, busy ? t.acknowledging : t.acceptRequest),
        h("button", { type: "button", "data-testid": "response-decline", disabled: busy, onclick: () => { this.declining = c.threat; this.render(); } }, t.declineRequest));
    return h("li", { class: `tb-alert tb-stage-${c.stage} tb-response-request`, "data-testid": "response-request", "data-threat": c.threat },
      this.summary(c),
      c.request === null ? null : h("div", {}, `${t.answerBy} `, ltr(this.context.locale.time(c.request.due_at))),
      actions);
  }

  private declineForm(c: ResponseCase, busy: boolean): HTMLElement {
    const t = this.context.locale.t;
    const reason = h("select", { "data-testid": "decline-reason", "aria-label": t.declineReason },
      ...DECLINE_REASONS.map((r) => h("option", { value: r }, t.declineReasons[r] ?? r)));
    const note = h("input", { type: "text", maxlength: 500, "data-testid": "decline-note", "aria-label": t.declineNote, placeholder: t.declineNote });
    const send = (): void => {
      const chosen = reason.value as DeclineReason;
      const text = note.value.trim();
      void this.act(c, () => this.context.api.declineResponse(c.threat, chosen, text === "" ? null : text)).then(() => {
        this.declining = null;
        this.render(true);
      });
    };
    return h("div", { class: "tb-actions tb-decline" },
      h("label", {}, t.declineReason, " ", reason),
      note,
      h("button", { type: "button", class: "tb-primary", "data-testid": "decline-confirm", disabled: busy, onclick: send }, t.declineRequest),
      h("button", { type: "button", onclick: () => { this.declining = null; this.render(); } }, t.back));
  }

  private standing(c: ResponseCase): HTMLElement {
    const t = this.context.locale.t;
    const coordinator = this.context.profile.partner.role === "coordinator";
    const responder = c.responder === null ? null : h("div", { "data-testid": "responder" }, `${t.responder}: `, h("bdi", {}, this.partnerName(c.responder)));
    const asked = coordinator && c.request !== null
      ? h("div", { "data-testid": "asked" }, `${t.asked}: `, h("bdi", {}, this.partnerName(c.request.partner)), " · ", `${t.answerBy} `, ltr(this.context.locale.time(c.request.due_at)))
      : null;
    const waiting = coordinator && c.waiting !== null && c.waiting.length > 0
      ? h("div", { class: "tb-muted" }, `${t.waiting}: `, h("bdi", {}, c.waiting.map((p) => this.partnerName(p)).join(", ")))
      : null;
    return h("li", { class: `tb-alert tb-stage-${c.stage}`, "data-testid": "response-case", "data-threat": c.threat, "data-state": c.state },
      this.summary(c),
      h("div", { "data-testid": "response-state" }, h("strong", {}, t.responseState[c.state] ?? c.state)),
      responder, asked, waiting,
      coordinator && c.state !== "stood_down" ? this.override(c) : null);
  }

  private override(c: ResponseCase): HTMLElement {
    const t = this.context.locale.t;
    const holder = c.request?.partner ?? c.responder;
    const choices = [...this.context.partners.values()].filter((p) => p.role !== "coordinator" && p.id !== holder);
    const select = h("select", { "data-testid": "reassign-partner", "aria-label": t.reassignTo },
      ...choices.map((p) => h("option", { value: p.id }, p.name)));
    return h("div", { class: "tb-actions" },
      h("label", {}, `${t.reassignTo} `, select),
      h("button", { type: "button", "data-testid": "reassign", disabled: this.busy.has(c.threat), onclick: () => void this.act(c, () => this.context.api.reassignResponse(c.threat, select.value)) }, t.reassign));
  }

  private summary(c: ResponseCase): HTMLElement {
    const t = this.context.locale.t;
    return h("div", { class: "tb-alert-head" },
      h("span", { class: `tb-chip tb-chip-status tb-status-${c.status.toLowerCase()}` }, t.status[c.status] ?? c.status),
      " ", h("span", { class: `tb-chip tb-stage-chip-${c.stage}` }, t.stage[c.stage]),
      c.threat_class === null ? "" : ` ${t.threatClass[c.threat_class] ?? c.threat_class}`,
      h("div", { class: "tb-zones" }, `${t.zones}: `, c.zones.map((z) => this.context.zoneName(z)).join(", ")));
  }

  private capability(c: CapabilityView): HTMLElement {
    const t = this.context.locale.t;
    const own = c.partner === this.context.profile.partner.id;
    const key = `${c.partner}/${c.name}`;
    return h("li", { class: "tb-capability", "data-testid": "capability", "data-capability": c.name, "data-available": String(c.available) },
      h("bdi", {}, own ? c.name : `${this.partnerName(c.partner)} · ${c.name}`),
      " ", h("span", { class: "tb-muted" }, `${c.threats.map((x) => t.threatClass[x] ?? x).join(", ")} · `, ltr(`${c.range_km} km`)),
      " ", h("strong", {}, c.available ? t.available : t.unavailable),
      own ? h("button", { type: "button", "data-testid": "capability-toggle", disabled: this.busy.has(key),
        onclick: () => void this.switch(c, key) }, c.available ? t.switchOff : t.switchOn) : null);
  }

  private partnerName(id: string): string {
    return this.context.partners.get(id)?.name ?? id;
  }

  private async switch(c: CapabilityView, key: string): Promise<void> {
    this.busy.add(key);
    this.render();
    try {
      await this.context.api.switchCapability(c.partner, c.name, !c.available);
      await this.load();
    } catch (error) {
      this.context.error(error);
    } finally {
      this.busy.delete(key);
      this.render();
    }
  }

  /** Send an answer; the panel shows it once the node has answered. */
  private async act(c: ResponseCase, send: () => Promise<ResponseCase>): Promise<void> {
    if (this.busy.has(c.threat)) return;
    this.busy.add(c.threat);
    this.render();
    try {
      await send();
      await this.load();
    } catch (error) {
      this.context.error(error, this.context.locale.t.answerRefused);
    } finally {
      this.busy.delete(c.threat);
      this.render();
    }
  }
}
