import type { PlotPoint } from '../lib/context.js';

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const MARKERS = ['circle', 'square', 'diamond', 'triangle'] as const;

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function marker(kind: (typeof MARKERS)[number], x: number, y: number, colour: string): string {
  const r = 4.5;
  switch (kind) {
    case 'square':
      return `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 'diamond':
      return `<polygon points="${x},${y - r - 1} ${x + r + 1},${y} ${x},${y + r + 1} ${x - r - 1},${y}" fill="${colour}"/>`;
    case 'triangle':
      return `<polygon points="${x},${y - r - 1} ${x + r + 1},${y + r} ${x - r - 1},${y + r}" fill="${colour}"/>`;
    default:
      return `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour}"/>`;
  }
}

/**
 * Recall@10 (x, linear) against queries/second (y, log scale), one coloured series per method,
 * points of a series joined in the order measured. Hand-written SVG, no dependencies.
 */
export function recallQpsSvg(points: readonly PlotPoint[], title: string, target = 0.95): string {
  const W = 900;
  const H = 560;
  const m = { left: 70, right: 290, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const valid = points.filter((p) => Number.isFinite(p.recall) && p.qps > 0);
  const minRecall = Math.min(0.9, ...valid.map((p) => p.recall));
  const x0 = Math.max(0, Math.floor(minRecall * 10) / 10);
  // A little room right of recall 1, where most good settings end up.
  const x1 = 1.02;
  const lo = Math.floor(Math.log10(Math.min(...valid.map((p) => p.qps), 10)));
  const hi = Math.ceil(Math.log10(Math.max(...valid.map((p) => p.qps), 100)));
  const sx = (r: number) => m.left + ((r - x0) / (x1 - x0)) * pw;
  const sy = (q: number) => m.top + ph - ((Math.log10(q) - lo) / (hi - lo)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.left + pw / 2}" y="28" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  );
  // Grid: recall every 0.05 (labels every 0.1), qps at 1-2-5 per decade.
  for (let r = x0; r <= 1 + 1e-9; r += 0.05) {
    const x = sx(r);
    const major = Math.abs(r * 10 - Math.round(r * 10)) < 1e-6;
    out.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="${major ? '#ccc' : '#eee'}"/>`,
    );
    if (major)
      out.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${r.toFixed(1)}</text>`);
  }
  for (let d = lo; d <= hi; d++) {
    for (const f of [1, 2, 5]) {
      const q = f * 10 ** d;
      if (Math.log10(q) > hi + 1e-9) continue;
      const y = sy(q);
      out.push(
        `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="${f === 1 ? '#ccc' : '#eee'}"/>`,
      );
      out.push(
        `<text x="${m.left - 8}" y="${y + 4}" text-anchor="end">${q >= 1 ? q.toLocaleString('en-US') : q}</text>`,
      );
    }
  }
  if (target > x0 && target < x1) {
    const x = sx(target);
    out.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#444" stroke-dasharray="5,4"/>`,
      `<text x="${x - 4}" y="${m.top + 12}" fill="#444" text-anchor="end">target recall ${target}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle" font-size="13">recall@10</text>`,
    `<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">queries / second, 8 clients (log scale)</text>`,
  );
  const series = [...new Set(valid.map((p) => p.series))];
  series.forEach((name, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const kind = MARKERS[Math.floor(i / COLOURS.length) % MARKERS.length] ?? 'circle';
    const pts = valid.filter((p) => p.series === name);
    if (pts.length > 1) {
      const path = pts
        .map((p) => `${sx(Math.max(x0, p.recall)).toFixed(1)},${sy(p.qps).toFixed(1)}`)
        .join(' ');
      out.push(
        `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.5" opacity="0.8"/>`,
      );
    }
    for (const p of pts) {
      out.push(
        `<g><title>${esc(`${name}, ${p.label}: recall ${p.recall.toFixed(3)}, ${p.qps.toFixed(0)} qps`)}</title>${marker(kind, sx(Math.max(x0, p.recall)), sy(p.qps), colour)}</g>`,
      );
    }
    const ly = m.top + 10 + i * 20;
    const lx = m.left + pw + 24;
    out.push(
      marker(kind, lx, ly, colour),
      `<text x="${lx + 12}" y="${ly + 4}">${esc(name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
