// An independent BlazeFace decoder for models/faces_test.go, written from
// MediaPipe's calculators (google-ai-edge/mediapipe at 85c0cdc7):
// SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator
// (WEIGHTED) and the projection of ImageToTensorCalculator's keep_aspect_ratio
// region, with the options of mediapipe/modules/face_detection/
// face_detection_short_range.pbtxt and face_detection_full_range.pbtxt.
// It shares no code with percept's Go decoder.
//
// usage: node blazeface_reference.mjs REGRESSORS.npy SCORES.npy IMAGE_WIDTH IMAGE_HEIGHT [MIN_SCORE]
// prints a JSON array of faces, best first: {score, xmin, ymin, xmax, ymax,
// keypoints: [[x, y] x 6]} in pixels of the image (not rounded, not clipped).
import fs from 'node:fs';

function readFloatNpy(path) {
  const b = fs.readFileSync(path);
  const headerLen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${path}: not float32: ${header}`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(Boolean).map(Number);
  const raw = b.subarray(10 + headerLen);
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return {shape, data};
}

// The two graphs' options.
const variants = {
  896: {size: 128, strides: [8, 16, 16, 16], interpolated: 1.0, minScore: 0.5},
  2304: {size: 192, strides: [4], interpolated: 0.0, minScore: 0.6},
};

// SsdAnchorsCalculator with fixed_anchor_size: only the centres matter;
// layers of equal stride share a grid, with one anchor per layer and aspect
// ratio (1.0) plus one interpolated anchor per layer when asked for.
function anchors(v) {
  const out = [];
  let layer = 0;
  while (layer < v.strides.length) {
    let perCell = 0;
    let last = layer;
    while (last < v.strides.length && v.strides[last] === v.strides[layer]) {
      perCell += 1 + (v.interpolated > 0 ? 1 : 0);
      last++;
    }
    const cells = Math.ceil(v.size / v.strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push({x: (x + 0.5) / cells, y: (y + 0.5) / cells, w: 1, h: 1});
      }
    }
    layer = last;
  }
  return out;
}

const [regPath, scorePath, widthArg, heightArg, minArg] = process.argv.slice(2);
const reg = readFloatNpy(regPath), sc = readFloatNpy(scorePath);
const n = sc.data.length;
const v = variants[n];
if (!v) throw new Error(`no BlazeFace variant has ${n} anchors`);
const minScore = minArg ? Number(minArg) : v.minScore;
const a = anchors(v);
if (a.length !== n) throw new Error(`${a.length} anchors for ${n} scores`);

// TensorsToDetectionsCalculator, reverse_output_order: x, y, w, h, then
// keypoints as x, y; scores clipped to +-100 and passed through a sigmoid.
const dets = [];
for (let i = 0; i < n; i++) {
  const clipped = Math.min(Math.max(sc.data[i], -100), 100);
  const score = 1 / (1 + Math.exp(-clipped));
  if (score < minScore) continue;
  const r = reg.data.subarray(16 * i, 16 * i + 16);
  const cx = r[0] / v.size * a[i].w + a[i].x;
  const cy = r[1] / v.size * a[i].h + a[i].y;
  const w = r[2] / v.size * a[i].w, h = r[3] / v.size * a[i].h;
  if (!(w >= 0 && h >= 0)) continue;
  const kps = [];
  for (let k = 0; k < 6; k++) kps.push([r[4 + 2 * k] / v.size * a[i].w + a[i].x, r[5 + 2 * k] / v.size * a[i].h + a[i].y]);
  dets.push({score, xmin: cx - w / 2, ymin: cy - h / 2, width: w, height: h, kps});
}

// NonMaxSuppressionCalculator, WEIGHTED, IoU threshold 0.3.
function iou(p, q) {
  const ix = Math.min(p.xmin + p.width, q.xmin + q.width) - Math.max(p.xmin, q.xmin);
  const iy = Math.min(p.ymin + p.height, q.ymin + q.height) - Math.max(p.ymin, q.ymin);
  if (ix < 0 || iy < 0) return 0;
  const inter = ix * iy;
  const norm = p.width * p.height + q.width * q.height - inter;
  return norm > 0 ? inter / norm : 0;
}
let remained = dets.map((d, i) => i).sort((x, y) => dets[y].score - dets[x].score || x - y);
const kept = [];
while (remained.length > 0) {
  const top = dets[remained[0]];
  const candidates = [], rest = [];
  for (const i of remained) (iou(dets[i], top) > 0.3 ? candidates : rest).push(i);
  const out = {score: top.score, xmin: top.xmin, ymin: top.ymin, xmax: top.xmin + top.width, ymax: top.ymin + top.height,
    kps: top.kps.map(p => p.slice())};
  if (candidates.length > 0) {
    let total = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    const kps = top.kps.map(() => [0, 0]);
    for (const i of candidates) {
      const d = dets[i];
      total += d.score;
      x0 += d.xmin * d.score; y0 += d.ymin * d.score;
      x1 += (d.xmin + d.width) * d.score; y1 += (d.ymin + d.height) * d.score;
      d.kps.forEach((p, k) => { kps[k][0] += p[0] * d.score; kps[k][1] += p[1] * d.score; });
    }
    Object.assign(out, {xmin: x0 / total, ymin: y0 / total, xmax: x1 / total, ymax: y1 / total, kps: kps.map(p => [p[0] / total, p[1] / total])});
  }
  kept.push(out);
  if (rest.length === remained.length) break;
  remained = rest;
}

// ImageToTensorCalculator's keep_aspect_ratio region (PadRoi): the whole
// image padded around its centre to a square; tensor coordinates in [0, 1]
// span that region (DetectionProjectionCalculator maps them back).
const W = Number(widthArg), H = Number(heightArg);
const side = Math.max(W, H);
const ox = (W - side) / 2, oy = (H - side) / 2;
const px = x => x * side + ox, py = y => y * side + oy;
console.log(JSON.stringify(kept.map(d => ({
  score: d.score, xmin: px(d.xmin), ymin: py(d.ymin), xmax: px(d.xmax), ymax: py(d.ymax),
  keypoints: d.kps.map(p => [px(p[0]), py(p[1])]),
}))));
