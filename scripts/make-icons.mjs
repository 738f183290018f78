#!/usr/bin/env node
/* global console -- eslint.config.js gives .mjs files no Node globals */
// Draws the VitalMesh icons — a white heart with a teal pulse line on a teal rounded square —
// and writes them as PNG with nothing but node:zlib, so they are reproducible from this file:
//   resources/icon.png (512, electron-builder's source for every platform),
//   resources/icons/{512x512,256x256}.png (Linux), resources/tray.png + tray@2x.png (16/32, tray).
// `node scripts/make-icons.mjs`; the output is byte-for-byte the same on every run.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEAL = [13, 148, 136]; // #0d9488
const DARK_TEAL = [17, 94, 89]; // #115e59
const WHITE = [255, 255, 255];

// ---- PNG encoding (RFC 2083): signature, IHDR, one IDAT, IEND; CRC-32 per chunk ---------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bits per channel
  ihdr[9] = 6; // colour type: RGBA
  // Each scanline starts with filter type 0 (none); deflate does the compressing.
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- the drawing, in unit coordinates (0..1, y down) -------------------------------------------
const insideRoundedSquare = (x, y, r) => {
  const dx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0);
  const dy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0);
  return dx * dx + dy * dy <= r * r;
};
// The classic heart curve (x² + y² − 1)³ − x²y³ ≤ 0, centred and scaled into the square.
const insideHeart = (x, y, scale) => {
  const hx = (x - 0.5) / scale;
  const hy = -(y - 0.53) / scale;
  const a = hx * hx + hy * hy - 1;
  return a * a * a - hx * hx * hy * hy * hy <= 0;
};
// An ECG-like pulse: flat, a small bump, the spike up and down, flat again.
const PULSE = [
  [0.1, 0.52],
  [0.3, 0.52],
  [0.36, 0.46],
  [0.42, 0.52],
  [0.48, 0.52],
  [0.54, 0.28],
  [0.6, 0.72],
  [0.66, 0.52],
  [0.9, 0.52],
];
function distanceToPulse(x, y) {
  let best = Infinity;
  for (let i = 1; i < PULSE.length; i += 1) {
    const [ax, ay] = PULSE[i - 1];
    const [bx, by] = PULSE[i];
    const t = Math.max(
      0,
      Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    best = Math.min(best, Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))));
  }
  return best;
}

/** One sample's colour, or undefined where the icon is transparent. */
function sample(x, y, { background }) {
  const pulse = distanceToPulse(x, y) <= (background ? 0.03 : 0.05);
  if (insideHeart(x, y, background ? 0.3 : 0.42))
    return pulse ? (background ? TEAL : WHITE) : background ? WHITE : TEAL;
  if (pulse) return background ? WHITE : DARK_TEAL;
  if (background && insideRoundedSquare(x, y, 0.2)) return TEAL;
  return undefined;
}

/** Renders with 4×4 supersampling so edges are smooth at every size. */
function render(size, options) {
  const n = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      const sum = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < n; sy += 1) {
        for (let sx = 0; sx < n; sx += 1) {
          const colour = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, options);
          if (!colour) continue;
          covered += 1;
          for (let c = 0; c < 3; c += 1) sum[c] += colour[c];
        }
      }
      const o = (py * size + px) * 4;
      if (covered === 0) continue;
      for (let c = 0; c < 3; c += 1) rgba[o + c] = Math.round(sum[c] / covered);
      rgba[o + 3] = Math.round((255 * covered) / (n * n));
    }
  }
  return encodePng(size, rgba);
}

const outputs = [
  ['resources/icon.png', 512, { background: true }],
  ['resources/icons/512x512.png', 512, { background: true }],
  ['resources/icons/256x256.png', 256, { background: true }],
  // The tray shows the glyph alone; the @2x file is picked on high-density screens.
  ['resources/tray.png', 16, { background: false }],
  ['resources/tray@2x.png', 32, { background: false }],
];
for (const [file, size, options] of outputs) {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  const png = render(size, options);
  writeFileSync(path, png);
  console.log(`make-icons: ${file} (${size}×${size}, ${png.length} bytes)`);
}
