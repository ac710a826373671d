// The node's API with the logged-in partner's token. The token lives in sessionStorage: it
// survives a reload but not the tab, and the node decides what the partner may see.

import type { AckView, AlertDetail, AlertSummary, CapAlert, CapabilityView, DeclineReason, Profile, ResponseCase, Threat, ZoneCollection } from "./types";

const TOKEN_KEY = "tanbih.token";

/** A refusal from the node, with the problem document's words when it sent one. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  constructor(private token: string) {}

  static stored(): Api | null {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? new Api(token) : null;
  }

  remember(): void {
    sessionStorage.setItem(TOKEN_KEY, this.token);
  }

  forget(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  }

  /** Log in: the profile, and the session cookie the stream needs. */
  logIn(): Promise<Profile> {
    return this.json<Profile>("POST", "/api/v1/console/session");
  }

  async logOut(): Promise<void> {
    await fetch("/api/v1/console/session", { method: "DELETE" });
  }

  zones(): Promise<ZoneCollection> {
    return this.json<ZoneCollection>("GET", "/api/v1/zones");
  }

  alerts(limit = 200): Promise<AlertSummary[]> {
    return this.json<AlertSummary[]>("GET", `/api/v1/alerts?limit=${limit}`);
  }

  alert(id: string): Promise<AlertDetail> {
    return this.json<AlertDetail>("GET", `/api/v1/alerts/${encodeURIComponent(id)}`);
  }

  async alertXml(id: string): Promise<Blob> {
    const response = await this.send("GET", `/api/v1/alerts/${encodeURIComponent(id)}`, undefined, "application/cap+xml");
    return response.blob();
  }

  acks(id: string): Promise<AckView[]> {
    return this.json<AckView[]>("GET", `/api/v1/alerts/${encodeURIComponent(id)}/acks`);
  }

  /** Acknowledgements of several messages' events in one request, by message id. */
  acksOf(ids: string[]): Promise<Record<string, AckView[]>> {
    const query = ids.map((id) => `alert=${encodeURIComponent(id)}`).join("&");
    return this.json<Record<string, AckView[]>>("GET", `/api/v1/console/acks?${query}`);
  }

  acknowledge(id: string): Promise<AckView> {
    return this.json<AckView>("POST", `/api/v1/alerts/${encodeURIComponent(id)}/ack`);
  }

  post(alert: CapAlert): Promise<{ outcome: string; alert: AlertSummary }> {
    return this.json("POST", "/api/v1/alerts", alert);
  }

  threats(): Promise<Threat[]> {
    return this.json<Threat[]>("GET", "/api/v1/threats");
  }

  responses(): Promise<ResponseCase[]> {
    return this.json<ResponseCase[]>("GET", "/api/v1/responses");
  }

  acceptResponse(threat: string): Promise<ResponseCase> {
    return this.json<ResponseCase>("POST", `/api/v1/responses/${encodeURIComponent(threat)}/accept`);
  }

  declineResponse(threat: string, reason: DeclineReason, note: string | null): Promise<ResponseCase> {
    return this.json<ResponseCase>("POST", `/api/v1/responses/${encodeURIComponent(threat)}/decline`, { reason, note });
  }

  reassignResponse(threat: string, partner: string): Promise<ResponseCase> {
    return this.json<ResponseCase>("POST", `/api/v1/responses/${encodeURIComponent(threat)}/reassign`, { partner });
  }

  capabilities(): Promise<CapabilityView[]> {
    return this.json<CapabilityView[]>("GET", "/api/v1/responses/capabilities");
  }

  switchCapability(partner: string, name: string, available: boolean): Promise<CapabilityView> {
    const path = `/api/v1/responses/capabilities/${encodeURIComponent(partner)}/${encodeURIComponent(name)}`;
    return this.json<CapabilityView>("PUT", path, { available });
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body, "application/json");
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: accept };
    const init: RequestInit = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) throw new ApiError(response.status, await problemText(response));
    return response;
  }
}

async function problemText(response: Response): Promise<string> {
  try {
    const problem = (await response.json()) as { title?: string; detail?: string };
    return [problem.title, problem.detail].filter(Boolean).join(": ") || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
