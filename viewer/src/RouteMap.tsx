import { type GeoPermissibleObjects, geoEqualEarth, geoGraticule10, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry, LineString, MultiPoint } from 'geojson';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Stop } from './api.js';

// The route on a world map drawn in SVG: country outlines from Natural Earth (world-atlas, 1:110m, bundled) in the
// Equal Earth projection (d3-geo). No tile server. The projection is turned to the route's middle longitude, and
// d3-geo draws each leg as a great-circle arc, clipping at the antimeridian of the turned map: a route across 180°
// (Suva to Apia) is a short arc in the middle, never a line round the world.

const WIDTH = 960;
const PAD = 36;
/** The map's height follows the route's shape (a north–south trip gets a taller map), within these bounds. */
const HEIGHT = { min: 440, max: 720 };
/** The map shows at least this many degrees around the route, so one city is not a blown-up street plan. */
const MIN_SPAN = { lon: 50, lat: 24 };

type Located = Stop & { latitude: number; longitude: number };
export const isLocated = (stop: Stop): stop is Located => stop.latitude !== null && stop.longitude !== null;

let outlines: Promise<FeatureCollection<Geometry>> | undefined;
/** The world's country outlines, loaded once (a chunk of their own: only the trip page needs them). */
function loadOutlines(): Promise<FeatureCollection<Geometry>> {
  outlines ??= import('world-atlas/countries-110m.json').then((module) => {
    const topology = module.default as unknown as Topology<{ countries: GeometryCollection }>;
    return feature(topology, topology.objects.countries) as FeatureCollection<Geometry>;
  });
  return outlines;
}

/** The circular mean of longitudes in degrees, so that 178 and -172 average to about 178, not 3. */
function meanLongitude(longitudes: number[]): number {
  const rad = Math.PI / 180;
  const x = longitudes.reduce((sum, lon) => sum + Math.cos(lon * rad), 0);
  const y = longitudes.reduce((sum, lon) => sum + Math.sin(lon * rad), 0);
  return Math.atan2(y, x) / rad;
}

/** The map of a trip's located stops in visit order; stops without coordinates are listed by the page instead. */
export function RouteMap({ stops, title }: { stops: Stop[]; title: string }) {
  const [world, setWorld] = useState<FeatureCollection<Geometry> | null>(null);
  useEffect(() => {
    let live = true;
    loadOutlines().then(
      (outlines) => live && setWorld(outlines),
      () => live && setWorld({ type: 'FeatureCollection', features: [] }),
    );
    return () => {
      live = false;
    };
  }, []);

  const located = stops.filter(isLocated);
  const drawing = useMemo(() => {
    const projection = geoEqualEarth();
    let extent: GeoPermissibleObjects = { type: 'Sphere' };
    if (located.length > 0) {
      const lon0 = meanLongitude(located.map((s) => s.longitude));
      const lat0 = located.reduce((sum, s) => sum + s.latitude, 0) / located.length;
      projection.rotate([-lon0, 0]);
      // The stops and a box of MIN_SPAN around their middle: the view holds both.
      extent = {
        type: 'MultiPoint',
        coordinates: [
          ...located.map((s) => [s.longitude, s.latitude]),
          [lon0 - MIN_SPAN.lon / 2, Math.max(-85, lat0 - MIN_SPAN.lat / 2)],
          [lon0 + MIN_SPAN.lon / 2, Math.min(85, lat0 + MIN_SPAN.lat / 2)],
        ],
      } satisfies MultiPoint;
    }
    // Fitted to the width first, to learn the height the route wants; then fitted to the box of that height.
    projection.fitWidth(WIDTH - 2 * PAD, extent);
    const [[, top], [, bottom]] = geoPath(projection).bounds(extent);
    const height = Math.round(Math.min(HEIGHT.max, Math.max(HEIGHT.min, bottom - top + 2 * PAD)));
    projection.fitExtent(
      [
        [PAD, PAD],
        [WIDTH - PAD, height - PAD],
      ],
      extent,
    );
    const path = geoPath(projection);
    const route: Feature<LineString> = {
      type: 'Feature',
      properties: {},
      geometry: { type: 'LineString', coordinates: located.map((s) => [s.longitude, s.latitude]) },
    };
    return {
      height,
      path,
      sphere: path({ type: 'Sphere' }) ?? '',
      graticule: path(geoGraticule10()) ?? '',
      route: located.length > 1 ? (path(route) ?? '') : '',
      points: located.map((stop) => ({ stop, at: projection([stop.longitude, stop.latitude]) })),
    };
  }, [located.map((s) => `${s.id}:${s.longitude},${s.latitude}`).join(';')]);

  const label =
    located.length === 0
      ? `World map: no stop of ${title} has coordinates.`
      : `Map of the route: ${located.map((s) => s.city).join(' → ')}.`;

  return (
    <figure class="map">
      <svg
        viewBox={`0 0 ${WIDTH} ${drawing.height}`}
        role="img"
        aria-label={label}
        data-testid="route-map"
        preserveAspectRatio="xMidYMid meet"
      >
        <defs>
          <clipPath id="map-sphere">
            <path d={drawing.sphere} />
          </clipPath>
        </defs>
        <rect class="map-frame" width={WIDTH} height={drawing.height} />
        <path class="map-sphere" d={drawing.sphere} />
        <g clip-path="url(#map-sphere)">
          <path class="map-graticule" d={drawing.graticule} />
          {world?.features.map((country) => (
            <path key={String(country.id)} class="map-country" d={drawing.path(country) ?? ''} />
          ))}
        </g>
        {drawing.route && <path class="map-route" data-testid="route-line" d={drawing.route} />}
        {drawing.points.map(({ stop, at }) =>
          at ? (
            <g
              key={stop.id}
              class="map-stop"
              transform={`translate(${at[0].toFixed(1)},${at[1].toFixed(1)})`}
            >
              <title>{`${stop.position}. ${stop.city} (${stop.latitude}, ${stop.longitude})`}</title>
              <circle r="13" />
              <text class="map-stop-number" dy="5">
                {stop.position}
              </text>
              <text class="map-stop-label" x="17" dy="6">
                {stop.city}
              </text>
            </g>
          ) : null,
        )}
      </svg>
      <figcaption>
        Country outlines: Natural Earth (1:110m). Legs are drawn as great-circle arcs between the stops in
        visit order.
      </figcaption>
    </figure>
  );
}
