// One synthetic detection scene, deterministic from (seed, index): shapes of five classes with overlapping
// colour distributions, varied size/aspect/rotation, partial occlusion and truncation, on textured, cluttered
// backgrounds (including ring and line distractors), described as SVG for sharp to render. The ground truth
// follows VOC conventions (spec §8.1): boxes clipped to the image, heavily hidden or tiny objects `difficult`,
// objects cut by the border `truncated`, nearly invisible ones not annotated. Used by synth.ts.
import { Random } from './random.js';

export const SYNTH_CLASSES: readonly string[] = ['circle', 'square', 'triangle', 'star', 'cross'];

type Pt = [number, number];

export interface SceneObject {
  cls: number;
  name: string;
  /** 0-based pixel box [xmin, ymin, xmax, ymax], clipped to the image. */
  box: [number, number, number, number];
  difficult: boolean;
  truncated: boolean;
  /** Fraction of the shape's area visible (inside the image, not covered by later shapes). */
  visible: number;
}

export interface Scene {
  width: number;
  height: number;
  svg: string;
  objects: SceneObject[];
  /** JPEG quality to encode with. */
  quality: number;
}

/** Unit-size outline of each class, centred on 0 and spanning [-1, 1] on both axes. */
function unitShape(cls: number): Pt[] {
  switch (cls) {
    case 0:
      return Array.from({ length: 48 }, (_, i) => [Math.cos((i * Math.PI) / 24), Math.sin((i * Math.PI) / 24)] as Pt);
    case 1:
      return [[-1, -1], [1, -1], [1, 1], [-1, 1]];
    case 2:
      return [[0, -1], [1, 1], [-1, 1]];
    case 3:
      return Array.from({ length: 10 }, (_, i) => {
        const r = i % 2 === 0 ? 1 : 0.42;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        return [r * Math.cos(a), r * Math.sin(a) + 0.1] as Pt;
      });
    default: {
      const t = 0.33;
      return [[-t, -1], [t, -1], [t, -t], [1, -t], [1, t], [t, t], [t, 1], [-t, 1], [-t, t], [-1, t], [-1, -t], [-t, -t]];
    }
  }
}

function insidePolygon(p: Pt, poly: readonly Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function hsl(h: number, s: number, l: number): string {
  const hh = ((h % 360) + 360) % 360;
  return `hsl(${hh.toFixed(1)},${(s * 100).toFixed(1)}%,${(l * 100).toFixed(1)}%)`;
}

const f = (v: number): string => (Math.round(v * 100) / 100).toString();

function background(rng: Random, w: number, h: number, defs: string[], body: string[]): void {
  const h1 = rng.uniform(0, 360);
  const h2 = h1 + rng.uniform(-120, 120);
  defs.push(
    `<linearGradient id="bg" x1="${f(rng.random())}" y1="${f(rng.random())}" x2="${f(rng.random())}" y2="${f(rng.random())}">` +
      `<stop offset="0" stop-color="${hsl(h1, rng.uniform(0.05, 0.6), rng.uniform(0.2, 0.85))}"/>` +
      `<stop offset="1" stop-color="${hsl(h2, rng.uniform(0.05, 0.6), rng.uniform(0.2, 0.85))}"/></linearGradient>`,
  );
  body.push(`<rect width="${w}" height="${h}" fill="url(#bg)"/>`);
  // Fractal-noise texture, grey, blended at a random strength.
  const freq = rng.uniform(0.008, 0.09);
  defs.push(
    `<filter id="tex" x="0" y="0" width="100%" height="100%"><feTurbulence type="${rng.bernoulli(0.7) ? 'fractalNoise' : 'turbulence'}" baseFrequency="${f(freq)}" numOctaves="${rng.randint(2, 4)}" seed="${rng.randint(0, 9999)}"/>` +
      `<feColorMatrix type="saturate" values="${f(rng.uniform(0, 0.6))}"/></filter>`,
  );
  body.push(`<rect width="${w}" height="${h}" filter="url(#tex)" opacity="${f(rng.uniform(0.15, 0.55))}"/>`);
  // Soft blobs and distractors: rings (like circles), lines, zigzags, dots.
  defs.push(`<filter id="soft"><feGaussianBlur stdDeviation="${f(rng.uniform(3, 9))}"/></filter>`);
  const m = Math.min(w, h);
  const n = rng.randint(4, 14);
  for (let i = 0; i < n; i++) body.push(distractor(rng, w, h, m));
}

function distractor(rng: Random, w: number, h: number, m: number): string {
  const col = hsl(rng.uniform(0, 360), rng.uniform(0.1, 0.9), rng.uniform(0.2, 0.8));
  const op = f(rng.uniform(0.35, 0.9));
  switch (rng.randrange(5)) {
    case 0:
      return `<line x1="${f(rng.uniform(0, w))}" y1="${f(rng.uniform(0, h))}" x2="${f(rng.uniform(0, w))}" y2="${f(rng.uniform(0, h))}" stroke="${col}" stroke-width="${f(rng.uniform(1, 4))}" opacity="${op}"/>`;
    case 1:
      return `<circle cx="${f(rng.uniform(0, w))}" cy="${f(rng.uniform(0, h))}" r="${f(m * rng.uniform(0.04, 0.18))}" fill="none" stroke="${col}" stroke-width="${f(rng.uniform(1.5, 5))}" opacity="${op}"/>`;
    case 2:
      return `<ellipse cx="${f(rng.uniform(0, w))}" cy="${f(rng.uniform(0, h))}" rx="${f(m * rng.uniform(0.05, 0.3))}" ry="${f(m * rng.uniform(0.05, 0.3))}" fill="${col}" filter="url(#soft)" opacity="${op}"/>`;
    case 3: {
      const k = rng.randint(3, 6);
      let x = rng.uniform(0, w);
      let y = rng.uniform(0, h);
      const pts: string[] = [];
      for (let i = 0; i < k; i++) {
        pts.push(`${f(x)},${f(y)}`);
        x += rng.uniform(-0.2, 0.2) * m;
        y += rng.uniform(-0.2, 0.2) * m;
      }
      return `<polyline points="${pts.join(' ')}" fill="none" stroke="${col}" stroke-width="${f(rng.uniform(1, 3.5))}" opacity="${op}"/>`;
    }
    default:
      return `<circle cx="${f(rng.uniform(0, w))}" cy="${f(rng.uniform(0, h))}" r="${f(m * rng.uniform(0.006, 0.02))}" fill="${col}" opacity="${op}"/>`;
  }
}

interface Placed {
  cls: number;
  poly: Pt[];
}

function placeObject(rng: Random, w: number, h: number): Placed {
  const cls = rng.randrange(SYNTH_CLASSES.length);
  const m = Math.min(w, h);
  const size = m * Math.exp(rng.uniform(Math.log(0.08), Math.log(0.5)));
  const ar = Math.exp(rng.uniform(-Math.log(1.7), Math.log(1.7)));
  const sx = (size * Math.sqrt(ar)) / 2;
  const sy = size / Math.sqrt(ar) / 2;
  const rot = cls === 1 || cls === 4 ? rng.uniform(-Math.PI / 4, Math.PI / 4) : rng.uniform(-Math.PI, Math.PI);
  const cx = rng.uniform(0.1 * sx, w - 0.1 * sx);
  const cy = rng.uniform(0.1 * sy, h - 0.1 * sy);
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  const poly = unitShape(cls).map(([x, y]) => {
    const px = x * sx;
    const py = y * sy;
    return [cx + px * c - py * s, cy + px * s + py * c] as Pt;
  });
  return { cls, poly };
}

function objectSvg(rng: Random, o: Placed, k: number, defs: string[]): string {
  const hue = o.cls * 72 + rng.normal(0, 40);
  const sat = rng.uniform(0.3, 1);
  const light = rng.uniform(0.3, 0.72);
  const base = hsl(hue, sat, light);
  let fill = base;
  const style = rng.random();
  if (style < 0.3) {
    defs.push(
      `<linearGradient id="g${k}" x1="0" y1="0" x2="${f(rng.random())}" y2="1"><stop offset="0" stop-color="${base}"/>` +
        `<stop offset="1" stop-color="${hsl(hue + rng.uniform(-25, 25), sat, Math.max(0.1, light - rng.uniform(0.1, 0.3)))}"/></linearGradient>`,
    );
    fill = `url(#g${k})`;
  } else if (style < 0.42) {
    const p = rng.uniform(4, 10);
    defs.push(
      `<pattern id="g${k}" width="${f(p)}" height="${f(p)}" patternUnits="userSpaceOnUse" patternTransform="rotate(${f(rng.uniform(0, 180))})">` +
        `<rect width="${f(p)}" height="${f(p)}" fill="${base}"/><rect width="${f(p / 2)}" height="${f(p)}" fill="${hsl(hue, sat, Math.max(0.1, light - 0.2))}"/></pattern>`,
    );
    fill = `url(#g${k})`;
  }
  const stroke = rng.bernoulli(0.5) ? ` stroke="${hsl(hue, sat, Math.max(0.05, light - 0.3))}" stroke-width="${f(rng.uniform(1, 3))}"` : '';
  const pts = o.poly.map(([x, y]) => `${f(x)},${f(y)}`).join(' ');
  return `<polygon points="${pts}" fill="${fill}"${stroke} opacity="${f(rng.uniform(0.85, 1))}"/>`;
}

/** Visible fraction of each shape: a 14×14 grid over its box, counting points inside it, inside the image and
 * not inside any shape drawn later. */
function visibility(placed: readonly Placed[], w: number, h: number): number[] {
  return placed.map((o, i) => {
    const xs = o.poly.map((p) => p[0]);
    const ys = o.poly.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    let inside = 0;
    let seen = 0;
    const g = 14;
    for (let a = 0; a < g; a++) {
      for (let b = 0; b < g; b++) {
        const p: Pt = [x0 + ((a + 0.5) / g) * (x1 - x0), y0 + ((b + 0.5) / g) * (y1 - y0)];
        if (!insidePolygon(p, o.poly)) continue;
        inside++;
        if (p[0] < 0 || p[0] >= w || p[1] < 0 || p[1] >= h) continue;
        if (placed.slice(i + 1).some((q) => insidePolygon(p, q.poly))) continue;
        seen++;
      }
    }
    return inside === 0 ? 0 : seen / inside;
  });
}

/** How many shapes a scene draws, one drawn uniformly from this list (before hidden ones are dropped). */
export const DEFAULT_OBJECT_COUNTS: readonly number[] = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6];

/**
 * The scene for image `index` of a dataset generated with `seed`; `size` is the nominal side in pixels;
 * `objectCounts` the list the number of shapes is drawn from (e.g. [1, 20] for very unequal images).
 */
export function makeScene(seed: number, index: number, size = 320, objectCounts: readonly number[] = DEFAULT_OBJECT_COUNTS): Scene {
  const rng = Random.derive(seed, index, 0x5c3e);
  const width = Math.max(64, Math.round(size * rng.uniform(0.75, 1.25)));
  const height = Math.max(64, Math.round(size * rng.uniform(0.75, 1.25)));
  const defs: string[] = [];
  const body: string[] = [];
  background(rng, width, height, defs, body);
  const nObj = rng.choice(objectCounts);
  const placed = Array.from({ length: nObj }, () => placeObject(rng, width, height));
  placed.forEach((o, k) => body.push(objectSvg(rng, o, k, defs)));
  // A few thin lines over the objects.
  const over = rng.randint(0, 3);
  const m = Math.min(width, height);
  for (let i = 0; i < over; i++) {
    body.push(
      `<line x1="${f(rng.uniform(0, width))}" y1="${f(rng.uniform(0, height))}" x2="${f(rng.uniform(0, width))}" y2="${f(rng.uniform(0, height))}" stroke="${hsl(rng.uniform(0, 360), rng.uniform(0, 0.8), rng.uniform(0.2, 0.8))}" stroke-width="${f(rng.uniform(1, Math.max(1.5, m / 120)))}" opacity="${f(rng.uniform(0.4, 0.9))}"/>`,
    );
  }
  let content = body.join('');
  if (rng.bernoulli(0.25)) {
    defs.push(`<filter id="blur"><feGaussianBlur stdDeviation="${f(rng.uniform(0.3, 1.1))}"/></filter>`);
    content = `<g filter="url(#blur)">${content}</g>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>${defs.join('')}</defs>${content}</svg>`;
  const vis = visibility(placed, width, height);
  const objects: SceneObject[] = [];
  placed.forEach((o, i) => {
    const xs = o.poly.map((p) => p[0]);
    const ys = o.poly.map((p) => p[1]);
    const truncated = Math.min(...xs) < 0 || Math.min(...ys) < 0 || Math.max(...xs) > width || Math.max(...ys) > height;
    // Integer pixel box of the covered pixels, 0-based inclusive (VOC convention after the -1 shift).
    const x0 = Math.max(0, Math.floor(Math.min(...xs)));
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)) - 1);
    const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)) - 1);
    if (x1 - x0 < 5 || y1 - y0 < 5 || vis[i]! < 0.2) return;
    const difficult = vis[i]! < 0.45 || Math.min(x1 - x0, y1 - y0) < 10;
    objects.push({ cls: o.cls, name: SYNTH_CLASSES[o.cls]!, box: [x0, y0, x1, y1], difficult, truncated, visible: vis[i]! });
  });
  return { width, height, svg, objects, quality: rng.randint(60, 95) };
}
