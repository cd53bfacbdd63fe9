// The offline basemap: Natural Earth countries from the world-atlas package, served by the node
// itself (/web/countries-50m.json, and the 1:110m file for continental views), turned into
// GeoJSON with topojson-client and into paths with d3-geo. No tile server, no CDN: the map works
// with no network beyond the node.
import { geoMercator, geoPath } from "d3-geo";
import { feature, mesh } from "topojson-client";
import { WORLD } from "./geo.js";

async function paths(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`the basemap could not be loaded (${response.status})`);
  const topology = await response.json();
  // d3's Mercator with this scale and translation is exactly geo.js's world: x in [0, WORLD].
  const projection = geoMercator()
    .scale(WORLD / (2 * Math.PI))
    .translate([WORLD / 2, WORLD / 2])
    .precision(0);
  const path = geoPath(projection).digits(5);
  const countries = feature(topology, topology.objects.countries);
  return {
    land: new Path2D(path(countries) || ""),
    borders: new Path2D(path(mesh(topology, topology.objects.countries, (a, b) => a !== b)) || ""),
    coast: new Path2D(path(mesh(topology, topology.objects.countries, (a, b) => a === b)) || ""),
    countries: countries.features.length,
  };
}

/** Paths in world units (see geo.js): {land, borders, coast, coarse: the same at 1:110m}. */
export async function loadBasemap() {
  const [fine, coarse] = await Promise.all([paths("/web/countries-50m.json"), paths("/web/countries-110m.json")]);
  return { ...fine, coarse };
}
