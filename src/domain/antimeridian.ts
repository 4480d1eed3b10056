// Lines and boxes that cross the antimeridian (180°), as RFC 7946 wants them written.
//
// Between two positions a route takes the shorter way round in longitude: Suva (178.44°E) to Apia (171.77°W) is
// 9.79° east across 180°, not 350.21° west. A map draws a LineString the way its coordinates go, so such a line
// is cut at 180° (§3.1.9) into parts that meet there, and its bounding box has its west edge east of its east
// edge (§5.2). Positions are straight lines in [longitude, latitude] (§3.1.1), so the latitude where a segment
// meets 180° is linear interpolation. No npm package for this is kept up (geojson-antimeridian-cut is a 0.1.0 of
// 2019 that pulls in core-js), and the rule fits in a few lines.

/** [longitude, latitude] in WGS 84 degrees, longitude from -180 to 180. */
export type Position = [number, number];

/** [west, south, east, north] in degrees; west > east when the box crosses the antimeridian. */
export type BoundingBox = [number, number, number, number];

/**
 * Where a segment meets the antimeridian, if it crosses it: the position on the side of `from` (longitude ±180)
 * and the same point on the side of `to` (the other sign). A segment crosses when its ends are more than 180° of
 * longitude apart; at exactly 180° apart both ways are as short, and the segment is left whole.
 */
function crossing(from: Position, to: Position): [Position, Position] | null {
  const [lon1, lat1] = from;
  const [lon2, lat2] = to;
  if (Math.abs(lon2 - lon1) <= 180) return null;
  // Eastward across 180° (lon2 far below lon1), or westward across -180°.
  const edge = lon2 < lon1 ? 180 : -180;
  const unwrapped = lon2 < lon1 ? lon2 + 360 : lon2 - 360;
  const span = unwrapped - lon1;
  // A segment from 180 to -180 runs along the meridian: it meets it at `from`.
  const t = span === 0 ? 0 : (edge - lon1) / span;
  const lat = lat1 + t * (lat2 - lat1);
  return [
    [edge, lat],
    [-edge, lat],
  ];
}

const same = (a: Position | undefined, b: Position): boolean =>
  a !== undefined && a[0] === b[0] && a[1] === b[1];

/**
 * A line through the positions, in order, cut at every crossing of the antimeridian (RFC 7946 §3.1.9): one part
 * when it never crosses, else one part more per crossing, consecutive parts meeting at ±180 at the interpolated
 * latitude. A part of a single position (a line that starts or ends on 180° and crosses there) is dropped.
 */
export function splitAtAntimeridian(positions: Position[]): Position[][] {
  const parts: Position[][] = [];
  let part: Position[] = [];
  let previous: Position | undefined;
  for (const position of positions) {
    const cut = previous === undefined ? null : crossing(previous, position);
    if (cut) {
      if (!same(part.at(-1), cut[0])) part.push(cut[0]);
      parts.push(part);
      part = same(position, cut[1]) ? [] : [cut[1]];
    }
    part.push(position);
    previous = position;
  }
  parts.push(part);
  return parts.filter((p) => p.length >= 2);
}

/**
 * The smallest box holding every position of the lines and points (RFC 7946 §5), none of whose lines may cross
 * the antimeridian (split them first). Its longitudes are the complement of the widest band of longitude that
 * nothing occupies; when that band lies across 180°, the box is an ordinary one, else it crosses 180° and its
 * west edge is east of its east edge (§5.2). Undefined when there is no position.
 */
export function boundingBox(lines: Position[][]): BoundingBox | undefined {
  const all = lines.flat();
  if (all.length === 0) return undefined;
  const latitudes = all.map(([, lat]) => lat);
  const south = Math.min(...latitudes);
  const north = Math.max(...latitudes);

  // The longitude interval each line or point occupies, merged where they overlap.
  const intervals = lines
    .filter((line) => line.length > 0)
    .map((line) => {
      const lons = line.map(([lon]) => lon);
      return [Math.min(...lons), Math.max(...lons)] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of intervals) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }

  // The band across 180° first: an ordinary box wins a tie.
  const first = merged[0] as [number, number];
  const last = merged.at(-1) as [number, number];
  let west = first[0];
  let east = last[1];
  let widest = 180 - east + (west + 180);
  for (let i = 1; i < merged.length; i += 1) {
    const gap = (merged[i] as [number, number])[0] - (merged[i - 1] as [number, number])[1];
    if (gap > widest) {
      widest = gap;
      west = (merged[i] as [number, number])[0];
      east = (merged[i - 1] as [number, number])[1];
    }
  }
  // 180 and -180 are one meridian: a box that starts east of it, or ends west of it, is an ordinary one.
  return [west === 180 ? -180 : west, south, east === -180 ? 180 : east, north];
}
