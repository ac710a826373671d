// What the node's API answers, as the console reads it (see the node's /openapi.json).

import type { MultiPolygon, Polygon } from "geojson";

export type CapStatus = "Actual" | "Exercise" | "System" | "Test" | "Draft";
export type MsgType = "Alert" | "Update" | "Cancel" | "Ack" | "Error";
/** A message's or a zone's warning stage, as the node names it. */
export type Stage = "none" | "early_warning" | "take_shelter" | "all_clear";
export type Language = "en" | "he" | "ar";

export interface AlertSummary {
  id: string;
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: MsgType;
  threadId: string;
  stage: Stage;
  expires: string | null;
  receivedAt: string;
  partner: string;
  href: string;
}

export interface NamedValue {
  valueName: string;
  value: string;
}

export interface CapArea {
  areaDesc: string;
  polygon?: string[];
  circle?: string[];
  geocode?: NamedValue[];
}

export interface CapInfo {
  language?: string;
  category?: string[];
  event: string;
  responseType?: string[];
  urgency: string;
  severity: string;
  certainty: string;
  onset?: string;
  expires?: string;
  senderName?: string;
  headline?: string;
  description?: string;
  instruction?: string;
  parameter?: NamedValue[];
  area?: CapArea[];
}

export interface CapAlert {
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: MsgType;
  scope: string;
  restriction?: string;
  note?: string;
  references?: string[];
  info?: CapInfo[];
}

export interface AlertDetail extends AlertSummary {
  cap: CapAlert;
}

export interface AckView {
  partner: string;
  via: string;
  at: string;
  contact: string | null;
  first: boolean;
}

export interface ThreatZone {
  zone: string;
  partner: string;
  name: string;
  stage: Stage;
  eta: string | null;
  shelterSeconds: number;
}

export interface PathPoint {
  lat: number;
  lon: number;
  time: string;
  radiusM: number;
}

export interface Threat {
  id: string;
  class: string;
  status: string;
  sources: string[];
  firstSeen: string;
  lastSeen: string;
  ended: string | null;
  state: { time: string; lat: number; lon: number; altM: number; speedMps: number; headingDeg: number };
  firstEta: string | null;
  zones: ThreatZone[];
  path: PathPoint[];
}

export interface PartnerView {
  id: string;
  name: string;
  role: "coordinator" | "partner" | "observer";
  languages: string[];
}

export interface Profile {
  coalition: string;
  partner: PartnerView;
  senders: string[];
  partners: PartnerView[];
}

export interface ZoneProperties {
  partner: string;
  shelterSeconds: number;
  names: Partial<Record<string, string>>;
}

export interface ZoneFeature {
  type: "Feature";
  id: string;
  properties: ZoneProperties;
  geometry: Polygon | MultiPolygon;
}

export interface ZoneCollection {
  type: "FeatureCollection";
  features: ZoneFeature[];
}

/** One console notification from the stream (`event: notification`). */
export interface StreamNotification {
  seq: number;
  at: string;
  /** "response": where a response stands (no message); otherwise a message delivered. */
  type?: "response";
  key: string;
  alert: string;
  status: CapStatus;
  contact: string | null;
  language: string;
  subject: string;
  headline: string;
  body: string;
  step: number;
}

/** A response case as the node lets this partner see it (GET /api/v1/responses). */
export interface ResponseCase {
  threat: string;
  state: "requested" | "accepted" | "unassigned" | "stood_down";
  status: CapStatus;
  level: string;
  zones: string[];
  stage: Stage;
  warning: string;
  responder: string | null;
  request: { partner: string; requested_at: string; due_at: string } | null;
  threat_class: string | null;
  waiting: string[] | null;
  history: { rule: string; at: string; partner: string | null; asked: string | null; reason: string | null; note: string | null }[] | null;
}

/** A declared capability and whether it is available now. */
export interface CapabilityView {
  partner: string;
  name: string;
  threats: string[];
  range_km: number;
  available: boolean;
}

export const DECLINE_REASONS = ["no_means_available", "out_of_range", "not_authorised", "other"] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];
