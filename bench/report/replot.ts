/**
 * Redraws docs/benchmark-recall-qps.svg from the figures of the last run, without measuring:
 *   npx tsx bench/report/replot.ts [quick|full|tiny]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlotPoint } from '../lib/context.js';
import { recallQpsSvg } from './svg-plot.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const size = process.argv[2] ?? 'quick';
const results = JSON.parse(readFileSync(join(repo, `bench/results/${size}.json`), 'utf8')) as {
  plot: PlotPoint[];
  title?: string;
};
const out = join(repo, 'docs/benchmark-recall-qps.svg');
writeFileSync(
  out,
  recallQpsSvg(results.plot, results.title ?? `Recall@10 vs throughput — ${size}, 8 clients`),
);
console.log(`wrote ${out}`);
