// The console's picture: every message it knows, grouped into events (threads), which of them
// are active, their zones with ETA and time to shelter, and how urgent each is. Pure
// bookkeeping over what the node answered: no filtering of what the partner may see.

import type { AckView, AlertDetail, AlertSummary, CapArea, CapInfo, Language, Stage, Threat, ZoneProperties } from "./types";

export const ZONE_GEOCODE = "tanbih:zone";
const ETA_PARAMETER = "tanbih:eta:";
const SHELTER_PARAMETER = "tanbih:shelter_seconds:";
// An all clear keeps its zones green this long, so the officer sees the event end.
const ALL_CLEAR_SHOWN_MS = 5 * 60 * 1000;
const STAGE_RANK: Record<Stage, number> = { none: 0, all_clear: 1, early_warning: 2, take_shelter: 3 };

/** A zone an active alert names, with its timing. */
export interface AlertZone {
  zoneId: string | null;
  area: CapArea;
  /** The area's description in each language the message has (for zones the node lacks). */
  names: Map<string, string>;
  /** Predicted arrival (ms since the epoch), when the message gives one. */
  eta: number | null;
  shelterSeconds: number | null;
}

/** An event whose latest warning still stands. */
export interface ActiveAlert {
  threadId: string;
  latest: AlertDetail;
  messages: AlertSummary[];
  zones: AlertZone[];
  /** When people must start for shelter at the latest (ms); null when no ETA is ahead. */
  actBy: number | null;
}

export function stageRank(stage: Stage): number {
  return STAGE_RANK[stage];
}

/** The info in `language` (primary subtag), else English, else the first. */
export function infoIn(detail: AlertDetail, language: Language): CapInfo | undefined {
  const infos = detail.cap.info ?? [];
  const primary = (info: CapInfo): string => (info.language ?? "en").split("-")[0] ?? "en";
  return infos.find((i) => primary(i) === language) ?? infos.find((i) => primary(i) === "en") ?? infos[0];
}

export class Picture {
  readonly summaries = new Map<string, AlertSummary>();
  readonly details = new Map<string, AlertDetail>();
  /** Acknowledgements by thread. */
  readonly acks = new Map<string, AckView[]>();
  threats: Threat[] = [];

  constructor(private readonly zoneInfo: (zoneId: string) => ZoneProperties | undefined) {}

  /** Record a message summary; returns whether it was new. */
  add(summary: AlertSummary): boolean {
    const fresh = !this.summaries.has(summary.id);
    this.summaries.set(summary.id, summary);
    return fresh;
  }

  addDetail(detail: AlertDetail): void {
    this.add(detail);
    this.details.set(detail.id, detail);
  }

  thread(threadId: string): AlertSummary[] {
    return [...this.summaries.values()]
      .filter((s) => s.threadId === threadId)
      .sort((a, b) => Date.parse(a.sent) - Date.parse(b.sent) || a.receivedAt.localeCompare(b.receivedAt));
  }

  /** Per thread, the latest warning (Alert or Update) while the event is not over. */
  activeWarnings(now: number): AlertSummary[] {
    const latest = new Map<string, AlertSummary>();
    const closed = new Set<string>();
    for (const summary of this.summaries.values()) {
      if (summary.msgType === "Cancel") closed.add(summary.threadId);
      if (summary.msgType !== "Alert" && summary.msgType !== "Update") continue;
      const current = latest.get(summary.threadId);
      if (current === undefined || Date.parse(summary.sent) > Date.parse(current.sent)) latest.set(summary.threadId, summary);
    }
    return [...latest.values()].filter(
      (s) =>
        !closed.has(s.threadId) &&
        s.stage !== "all_clear" &&
        (s.expires === null || Date.parse(s.expires) > now),
    );
  }

  /** Active alerts whose detail is known, most urgent first. */
  active(now: number): ActiveAlert[] {
    const alerts: ActiveAlert[] = [];
    for (const summary of this.activeWarnings(now)) {
      const detail = this.details.get(summary.id);
      if (detail === undefined) continue;
      const zones = this.zonesOf(detail);
      // Zones the threat has already reached no longer make an alert urgent.
      const times = zones
        .filter((z) => z.eta !== null && z.eta > now)
        .map((z) => (z.eta ?? 0) - (z.shelterSeconds ?? 0) * 1000);
      const actBy = times.length > 0 ? Math.min(...times) : null;
      alerts.push({ threadId: summary.threadId, latest: detail, messages: this.thread(summary.threadId), zones, actBy });
    }
    // Take shelter before early warning; then the nearest deadline; an alert without ETA
    // after those with one; the newest first among equals.
    return alerts.sort(
      (a, b) =>
        stageRank(b.latest.stage) - stageRank(a.latest.stage) ||
        (a.actBy ?? Infinity) - (b.actBy ?? Infinity) ||
        Date.parse(b.latest.sent) - Date.parse(a.latest.sent),
    );
  }

  zonesOf(detail: AlertDetail): AlertZone[] {
    const infos = detail.cap.info ?? [];
    const info = infos[0];
    if (info === undefined) return [];
    const parameters = new Map((info.parameter ?? []).map((p) => [p.valueName, p.value]));
    return (info.area ?? []).map((area, i) => {
      const zoneId = area.geocode?.find((g) => g.valueName === ZONE_GEOCODE)?.value ?? null;
      const eta = zoneId === null ? undefined : parameters.get(ETA_PARAMETER + zoneId);
      const shelter = zoneId === null ? undefined : parameters.get(SHELTER_PARAMETER + zoneId);
      const known = zoneId === null ? undefined : this.zoneInfo(zoneId);
      // Each info lists the same areas in the same order, in its own language.
      const names = new Map(infos.map((other) => [(other.language ?? "en").split("-")[0] ?? "en", other.area?.[i]?.areaDesc ?? area.areaDesc]));
      return {
        zoneId,
        area,
        names,
        eta: eta === undefined ? null : Date.parse(eta),
        shelterSeconds: shelter !== undefined ? Number(shelter) : (known?.shelterSeconds ?? null),
      };
    });
  }

  /** The stage to colour each zone: the highest an active alert, a recent all clear or a threat gives. */
  zoneStages(now: number): Map<string, Stage> {
    const stages = new Map<string, Stage>();
    const raise = (zoneId: string, stage: Stage): void => {
      const current = stages.get(zoneId);
      if (current === undefined || stageRank(stage) > stageRank(current)) stages.set(zoneId, stage);
    };
    for (const alert of this.active(now)) {
      for (const zone of alert.zones) if (zone.zoneId !== null) raise(zone.zoneId, alert.latest.stage);
    }
    for (const detail of this.details.values()) {
      if (detail.stage === "all_clear" && now - Date.parse(detail.sent) < ALL_CLEAR_SHOWN_MS) {
        for (const zone of this.zonesOf(detail)) if (zone.zoneId !== null) raise(zone.zoneId, "all_clear");
      }
    }
    for (const threat of this.threats) for (const zone of threat.zones) raise(zone.zone, zone.stage);
    return stages;
  }
}
