// Builds the console into the Python package (src/tanbih/web_static): the bundled script and
// stylesheet (Leaflet included), the page, and the land and borders of the region from
// Natural Earth (npm world-atlas) as a small GeoJSON. Nothing is loaded from another host.

import { build } from "esbuild";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { feature } from "topojson-client";

const OUT = new URL("../src/tanbih/web_static/", import.meta.url);
// The region the coalition watches, with room for threats coming from afar.
const REGION = { west: 20, south: 5, east: 66, north: 44 };

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });

await build({
  entryPoints: { console: "src/main.ts", "console-style": "src/style.css" },
  outdir: OUT.pathname,
  entryNames: "[name]",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "[name]-[hash]",
  legalComments: "none",
  logLevel: "warning",
});
// The style entry is named apart from the script's so esbuild does not merge their outputs.
await copyFile(new URL("console-style.css", OUT), new URL("console.css", OUT));
await rm(new URL("console-style.css", OUT));
await rm(new URL("console-style.js", OUT), { force: true });
await copyFile(new URL("index.html", import.meta.url), new URL("index.html", OUT));

const atlas = JSON.parse(await readFile(new URL("node_modules/world-atlas/countries-50m.json", import.meta.url), "utf8"));
const countries = feature(atlas, atlas.objects.countries);
const round = (value) => Math.round(value * 1000) / 1000;
const polygons = (geometry) => (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates);
const features = countries.features.flatMap((country) => {
  const parts = polygons(country.geometry)
    .map((rings) => rings.map(clip).filter((ring) => ring.length >= 4))
    .filter((rings) => rings.length > 0);
  if (parts.length === 0) return [];
  const coordinates = parts.map((rings) => rings.map((ring) => ring.map(([lon, lat]) => [round(lon), round(lat)])));
  return [{ type: "Feature", properties: { name: country.properties.name }, geometry: { type: "MultiPolygon", coordinates } }];
});
await writeFile(new URL("countries.json", OUT), JSON.stringify({ type: "FeatureCollection", features }));

/** A ring clipped to the region (Sutherland-Hodgman against each edge of the box), closed. */
function clip(ring) {
  const edges = [
    [(p) => p[0] >= REGION.west, (a, b) => cut(a, b, 0, REGION.west)],
    [(p) => p[0] <= REGION.east, (a, b) => cut(a, b, 0, REGION.east)],
    [(p) => p[1] >= REGION.south, (a, b) => cut(a, b, 1, REGION.south)],
    [(p) => p[1] <= REGION.north, (a, b) => cut(a, b, 1, REGION.north)],
  ];
  let points = ring.slice(0, -1);
  for (const [inside, intersect] of edges) {
    const input = points;
    points = [];
    input.forEach((current, i) => {
      const previous = input[(i + input.length - 1) % input.length];
      if (inside(current)) {
        if (!inside(previous)) points.push(intersect(previous, current));
        points.push(current);
      } else if (inside(previous)) points.push(intersect(previous, current));
    });
  }
  return points.length > 0 ? [...points, points[0]] : [];
}

function cut(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}
