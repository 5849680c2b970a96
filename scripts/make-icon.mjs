// Draws media/icon.png (128×128): a loss curve with a flat and a sharp minimum. Run once; the PNG is committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const size = 128;
const rgba = new Uint8Array(size * size * 4);
const curve = (x) => 0.55 - 0.28 * Math.exp(-(((x - 0.3) / 0.13) ** 2)) - 0.34 * Math.exp(-(((x - 0.72) / 0.035) ** 2));
const points = Array.from({ length: 400 }, (_, i) => [i / 399, curve(i / 399)]);
function distanceToCurve(px, py) {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    best = Math.min(best, Math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)));
  }
  return best;
}
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const u = (x + 0.5) / size;
    const v = (y + 0.5) / size;
    const corner = Math.max(0, Math.hypot(Math.max(0, Math.abs(u - 0.5) - 0.38), Math.max(0, Math.abs(v - 0.5) - 0.38)) - 0.1);
    const inside = corner <= 0 ? 1 : Math.max(0, 1 - corner * size);
    const stroke = Math.max(0, Math.min(1, (0.028 - distanceToCurve(u, (1 - v) * 0.85 + 0.08)) * size));
    const background = [24, 60, 112];
    const line = [255, 196, 64];
    const i = (y * size + x) * 4;
    for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(background[c] * (1 - stroke) + line[c] * stroke);
    rgba[i + 3] = Math.round(255 * inside);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8;
header[9] = 6;
const raw = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) Buffer.from(rgba.subarray(y * size * 4, (y + 1) * size * 4)).copy(raw, y * (size * 4 + 1) + 1);
writeFileSync(
  new URL('../media/icon.png', import.meta.url),
  Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]),
);
