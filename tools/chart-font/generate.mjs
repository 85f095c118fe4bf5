// Generates the glyph atlas of Gym's PNG chart writer (src/Gym.Learning/Metrics/Charts): the
// characters below in DejaVu Sans at the two pixel sizes the charts use, each glyph rasterized
// here from its outline to 8-bit coverage (8 x 8 samples a pixel, non-zero winding), with advance widths. No
// kerning: opentype.js reads none from DejaVu's GPOS table, and at 13 px it is under a pixel.
// The build never runs this: the output is committed as an embedded resource.
// Usage: node generate.mjs [OUT.json]   (default: the resource in src/Gym.Learning)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import opentype from 'opentype.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? path.join(here, '../../src/Gym.Learning/Metrics/Charts/dejavu-sans-atlas.json');
const fontDir = path.join(here, 'node_modules/dejavu-fonts-ttf/ttf');
const faces = [
  { name: 'label', file: 'DejaVuSans.ttf', pixelSize: 13 },
  { name: 'title', file: 'DejaVuSans-Bold.ttf', pixelSize: 16 },
];
const SAMPLES = 8;
// Printable ASCII, printable Latin-1 (names, the middle dot of gym train's titles, degree, times)
// and the common typographic punctuation; anything else draws as '?'.
const chars = [];
for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
for (let c = 0xA0; c <= 0xFF; c++) chars.push(String.fromCharCode(c));
chars.push(...'\u2013\u2014\u2018\u2019\u201C\u201D\u2022\u2026\u2192\u2212\u2264\u2265');

// Outline commands to straight edges in pixel space (y down, origin on the baseline).
function edgesOf(glyph, scale) {
  const edges = [];
  let sx = 0, sy = 0, cx = 0, cy = 0;
  const line = (x1, y1) => { edges.push([cx, cy, x1, y1]); cx = x1; cy = y1; };
  const P = (x, y) => [x * scale, -y * scale];
  for (const cmd of glyph.path.commands) {
    if (cmd.type === 'M') { [cx, cy] = P(cmd.x, cmd.y); [sx, sy] = [cx, cy]; }
    else if (cmd.type === 'L') { const [x, y] = P(cmd.x, cmd.y); line(x, y); }
    else if (cmd.type === 'Q') {
      const [x0, y0] = [cx, cy]; const [qx, qy] = P(cmd.x1, cmd.y1); const [x, y] = P(cmd.x, cmd.y);
      for (let i = 1; i <= 16; i++) { const t = i / 16, u = 1 - t; line(u * u * x0 + 2 * u * t * qx + t * t * x, u * u * y0 + 2 * u * t * qy + t * t * y); }
    } else if (cmd.type === 'C') {
      const [x0, y0] = [cx, cy]; const [ax, ay] = P(cmd.x1, cmd.y1); const [bx, by] = P(cmd.x2, cmd.y2); const [x, y] = P(cmd.x, cmd.y);
      for (let i = 1; i <= 16; i++) {
        const t = i / 16, u = 1 - t;
        line(u * u * u * x0 + 3 * u * u * t * ax + 3 * u * t * t * bx + t * t * t * x, u * u * u * y0 + 3 * u * u * t * ay + 3 * u * t * t * by + t * t * t * y);
      }
    } else if (cmd.type === 'Z') { if (cx !== sx || cy !== sy) line(sx, sy); }
  }
  return edges;
}

function winding(edges, px, py) {
  let w = 0;
  for (const [x0, y0, x1, y1] of edges) {
    if (y0 <= py && y1 > py) { if ((x1 - x0) * (py - y0) - (px - x0) * (y1 - y0) > 0) w++; }
    else if (y1 <= py && y0 > py) { if ((x1 - x0) * (py - y0) - (px - x0) * (y1 - y0) < 0) w--; }
  }
  return w;
}

function rasterize(edges) {
  if (edges.length === 0) return { x: 0, y: 0, w: 0, h: 0, alpha: '' };
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x0, y0, x1, y1] of edges) {
    minX = Math.min(minX, x0, x1); maxX = Math.max(maxX, x0, x1);
    minY = Math.min(minY, y0, y1); maxY = Math.max(maxY, y0, y1);
  }
  const x = Math.floor(minX), y = Math.floor(minY);
  const w = Math.ceil(maxX) - x, h = Math.ceil(maxY) - y;
  const alpha = Buffer.alloc(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let inside = 0;
      for (let sj = 0; sj < SAMPLES; sj++) {
        for (let si = 0; si < SAMPLES; si++) {
          if (winding(edges, x + i + (si + 0.5) / SAMPLES, y + j + (sj + 0.5) / SAMPLES) !== 0) inside++;
        }
      }
      alpha[j * w + i] = Math.round(255 * inside / (SAMPLES * SAMPLES));
    }
  }
  return { x, y, w, h, alpha: alpha.toString('base64') };
}

const atlas = {
  source: 'DejaVu Sans 2.37 (npm dejavu-fonts-ttf 2.37.3), rasterized by tools/chart-font/generate.mjs; licence: LICENSE-DejaVu.txt',
  faces: faces.map(face => {
    const font = opentype.loadSync(path.join(fontDir, face.file));
    const scale = face.pixelSize / font.unitsPerEm;
    const glyphs = chars.map(ch => {
      const g = font.charToGlyph(ch);
      return { char: ch, advance: +(g.advanceWidth * scale).toFixed(3), ...rasterize(edgesOf(g, scale)) };
    });
    return {
      name: face.name,
      file: face.file,
      pixelSize: face.pixelSize,
      ascent: +(font.ascender * scale).toFixed(3),
      descent: +(-font.descender * scale).toFixed(3),
      glyphs,
    };
  }),
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(atlas, null, 1) + '\n');
console.log(`wrote ${out}: ${atlas.faces.map(f => `${f.name} ${f.pixelSize}px, ${f.glyphs.length} glyphs`).join('; ')}`);
