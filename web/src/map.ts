// The map: Leaflet without tiles. Land and borders come from Natural Earth (built into the
// console's assets), zones from the node; stages colour zones through CSS classes, so a
// change of stage touches one SVG element's class list and nothing else.

import * as L from "leaflet";
import type { FeatureCollection } from "geojson";
import type { CapArea, Stage, Threat, ZoneCollection, ZoneFeature } from "./types";

const EARTH_RADIUS_M = 6_371_000;

export class ConsoleMap {
  private readonly map: L.Map;
  private readonly zoom = L.control.zoom({ position: "topleft" });
  private readonly zonePaths = new Map<string, L.Path>();
  private readonly stages = new Map<string, Stage>();
  private readonly threats = L.layerGroup();
  private readonly areas = L.featureGroup();

  constructor(element: HTMLElement, private readonly zoneName: (feature: ZoneFeature) => string) {
    // Leaflet lays itself out left to right; the page around it may be right to left.
    element.dir = "ltr";
    this.map = L.map(element, { zoomControl: false, attributionControl: false, zoomSnap: 0.25, minZoom: 4 });
    this.zoom.addTo(this.map);
    this.map.fitBounds([[12, 24], [38, 60]]);
    this.areas.addTo(this.map);
    this.threats.addTo(this.map);
  }

  /** Put the zoom buttons on the side the reading starts from. */
  setDirection(direction: "ltr" | "rtl"): void {
    this.zoom.setPosition(direction === "rtl" ? "topright" : "topleft");
  }

  showCountries(countries: FeatureCollection): void {
    L.geoJSON(countries, { interactive: false, style: { className: "tb-country" } }).addTo(this.map).bringToBack();
  }

  showZones(collection: ZoneCollection, focusPartner: string | null): void {
    L.geoJSON(collection as FeatureCollection, {
      style: (feature) => ({ className: `tb-zone tb-partner-${(feature as ZoneFeature | undefined)?.properties.partner ?? ""}` }),
      onEachFeature: (feature, layer) => {
        const zone = feature as ZoneFeature;
        this.zonePaths.set(zone.id, layer as L.Path);
        layer.bindTooltip(() => this.zoneName(zone), { sticky: true, direction: "top" });
      },
    }).addTo(this.map);
    for (const [id, path] of this.zonePaths) path.getElement()?.setAttribute("data-zone", id);
    const own = collection.features.filter((f) => f.properties.partner === focusPartner);
    if (own.length > 0) this.map.fitBounds(L.geoJSON(own as unknown as FeatureCollection).getBounds(), { maxZoom: 9 });
    this.areas.bringToFront();
  }

  /** Colour zones by stage; zones not in `stages` go back to none. */
  setStages(stages: Map<string, Stage>): void {
    for (const [id, previous] of this.stages) {
      if (!stages.has(id)) {
        this.restyle(id, previous, "none");
        this.stages.delete(id);
      }
    }
    for (const [id, stage] of stages) {
      const previous = this.stages.get(id) ?? "none";
      if (previous !== stage) this.restyle(id, previous, stage);
      this.stages.set(id, stage);
      if (stage !== "none") this.zonePaths.get(id)?.bringToFront();
    }
  }

  private restyle(id: string, previous: Stage, stage: Stage): void {
    const element = this.zonePaths.get(id)?.getElement();
    if (element === undefined) return;
    element.classList.remove(`tb-stage-${previous}`);
    if (stage !== "none") element.classList.add(`tb-stage-${stage}`);
  }

  /** CAP areas that name no known zone, drawn from their own polygons and circles. */
  setAreas(areas: Array<{ area: CapArea; stage: Stage; alertId: string }>): void {
    this.areas.clearLayers();
    for (const { area, stage, alertId } of areas) {
      const className = `tb-area tb-stage-${stage}`;
      for (const polygon of area.polygon ?? []) {
        const points = polygon.split(" ").map((pair) => pair.split(",").map(Number) as [number, number]);
        this.tag(L.polygon(points, { className }).bindTooltip(area.areaDesc).addTo(this.areas), alertId);
      }
      for (const circle of area.circle ?? []) {
        const [centre = "", radiusKm = "0"] = circle.split(" ");
        const [lat = 0, lon = 0] = centre.split(",").map(Number);
        this.tag(L.circle([lat, lon], { radius: Number(radiusKm) * 1000, className }).bindTooltip(area.areaDesc).addTo(this.areas), alertId);
      }
    }
  }

  private tag(layer: L.Path, alertId: string): void {
    layer.getElement()?.setAttribute("data-alert", alertId);
  }

  setThreats(threats: Threat[], label: (threat: Threat) => string): void {
    this.threats.clearLayers();
    for (const threat of threats) {
      if (threat.path.length > 1) {
        L.polygon(corridor(threat), { className: "tb-corridor", interactive: false }).addTo(this.threats);
        L.polyline(
          threat.path.map((p) => [p.lat, p.lon] as [number, number]),
          { className: "tb-path", interactive: false },
        ).addTo(this.threats);
      }
      const marker = L.circleMarker([threat.state.lat, threat.state.lon], { radius: 7, className: `tb-threat tb-threat-${threat.status.toLowerCase()}` })
        .bindTooltip(() => label(threat), { permanent: false })
        .addTo(this.threats);
      marker.getElement()?.setAttribute("data-threat", threat.id);
    }
  }

  focus(zoneIds: string[]): void {
    const bounds = L.latLngBounds([]);
    for (const id of zoneIds) {
      const path = this.zonePaths.get(id);
      if (path instanceof L.Polygon) bounds.extend(path.getBounds());
    }
    if (bounds.isValid()) this.map.flyToBounds(bounds, { maxZoom: 11, duration: 0.5 });
  }

}

/** The uncertainty corridor: each path point pushed out by its radius to either side. */
function corridor(threat: Threat): Array<[number, number]> {
  const left: Array<[number, number]> = [];
  const right: Array<[number, number]> = [];
  const points = threat.path;
  points.forEach((point, i) => {
    const from = points[Math.max(i - 1, 0)] ?? point;
    const to = points[Math.min(i + 1, points.length - 1)] ?? point;
    const bearing = Math.atan2((to.lon - from.lon) * Math.cos((point.lat * Math.PI) / 180), to.lat - from.lat);
    left.push(offset(point.lat, point.lon, bearing - Math.PI / 2, point.radiusM));
    right.push(offset(point.lat, point.lon, bearing + Math.PI / 2, point.radiusM));
  });
  return [...left, ...right.reverse()];
}

// Flat-earth offset: corridors are drawn, not computed with; a few km of error is invisible.
function offset(lat: number, lon: number, bearing: number, metres: number): [number, number] {
  const dLat = (metres * Math.cos(bearing)) / EARTH_RADIUS_M;
  const dLon = (metres * Math.sin(bearing)) / (EARTH_RADIUS_M * Math.cos((lat * Math.PI) / 180));
  return [lat + (dLat * 180) / Math.PI, lon + (dLon * 180) / Math.PI];
}
