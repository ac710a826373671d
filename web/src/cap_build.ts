// CAP 1.2 messages the coordinator's form sends, in the node's JSON mirror. The node validates
// them like any partner's message; the form reports what the node answered.

import { EXERCISE_WORD, LANGUAGES } from "./i18n";
import type { AlertSummary, CapAlert, CapArea, CapInfo, CapStatus, Language, ZoneFeature } from "./types";
import { ZONE_GEOCODE } from "./picture";

export type ResponseType = "Prepare" | "Shelter" | "AllClear";

export interface NewAlert {
  status: CapStatus;
  event: string;
  response: ResponseType;
  zones: ZoneFeature[];
  expiresMinutes: number;
  headlines: Record<Language, string>;
  sender: string;
  senderName: string;
}

const RESTRICTION = "coalition members only";

/** A CAP time: seconds precision, an explicit offset (never Z), as CAP 1.2 requires. */
export function capTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

export function newIdentifier(partner: string, now: Date): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]?.toString(36) ?? "0";
  return `console-${partner}-${now.getTime()}-${random}`;
}

/** Exercise texts open with the word for exercise, in each language. */
export function marked(text: string, status: CapStatus, language: Language): string {
  const word = EXERCISE_WORD[language];
  return status === "Exercise" && !text.startsWith(word) ? `${word}: ${text}` : text;
}

export function alertMessage(input: NewAlert, identifier: string, now: Date): CapAlert {
  const expires = capTime(new Date(now.getTime() + input.expiresMinutes * 60_000));
  const infos: CapInfo[] = LANGUAGES.map((language) => ({
    language,
    category: ["Security"],
    event: input.event,
    responseType: [input.response],
    urgency: input.response === "Shelter" ? "Immediate" : input.response === "Prepare" ? "Expected" : "Past",
    severity: input.response === "AllClear" ? "Minor" : "Severe",
    certainty: input.response === "Prepare" ? "Likely" : "Observed",
    expires,
    senderName: input.senderName,
    headline: marked(input.headlines[language], input.status, language),
    parameter: input.zones.map((zone) => ({
      valueName: `tanbih:shelter_seconds:${zone.id}`,
      value: String(zone.properties.shelterSeconds),
    })),
    area: input.zones.map((zone) => area(zone, language)),
  }));
  return {
    identifier,
    sender: input.sender,
    sent: capTime(now),
    status: input.status,
    msgType: "Alert",
    scope: "Restricted",
    restriction: RESTRICTION,
    info: infos,
  };
}

/** A Cancel of an event: it references every unexpired warning of the thread, in its status. */
export function cancelMessage(thread: AlertSummary[], sender: string, note: string, identifier: string, now: Date): CapAlert {
  const warnings = thread.filter(
    (m) => (m.msgType === "Alert" || m.msgType === "Update") && (m.expires === null || Date.parse(m.expires) > now.getTime()),
  );
  const status = warnings[0]?.status ?? "Exercise";
  return {
    identifier,
    sender,
    sent: capTime(now),
    status,
    msgType: "Cancel",
    scope: "Restricted",
    restriction: RESTRICTION,
    note: status === "Exercise" ? `${EXERCISE_WORD.en}: ${note}` : note,
    references: warnings.map((m) => `${m.sender},${m.identifier},${m.sent}`),
  };
}

function area(zone: ZoneFeature, language: Language): CapArea {
  const names = zone.properties.names;
  const polygons = zone.geometry.type === "Polygon" ? [zone.geometry.coordinates] : zone.geometry.coordinates;
  return {
    areaDesc: names[language] ?? names.en ?? zone.id,
    // CAP writes lat,lon; GeoJSON holds lon,lat. The outer ring of each part.
    polygon: polygons.map((rings) => (rings[0] ?? []).map(([lon, lat]) => `${lat},${lon}`).join(" ")),
    geocode: [{ valueName: ZONE_GEOCODE, value: zone.id }],
  };
}
