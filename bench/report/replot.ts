/**
 * Redraws docs/benchmark-recall-qps.svg and rewrites the generated part of docs/benchmarks.md
 * from the figures a run saved in bench/results/<size>.json, without measuring anything:
 *
 *   npx tsx bench/report/replot.ts [quick|full]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, PlotPoint } from '../lib/context.js';
import { resultsMarkdown, writeReport, type MachineInfo } from './markdown-report.js';
import { recallQpsSvg } from './svg-plot.js';

interface SavedRun extends Pick<BenchContext, 'size' | 'targets' | 'sections'> {
  title: string;
  command?: string;
  started: string;
  finished?: string;
  machine: MachineInfo;
  plot: PlotPoint[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const size = process.argv[2] ?? 'quick';
const run = JSON.parse(readFileSync(join(repo, `bench/results/${size}.json`), 'utf8')) as SavedRun;
const svg = join(repo, 'docs/benchmark-recall-qps.svg');
writeFileSync(svg, recallQpsSvg(run.plot, run.title));
const markdown = resultsMarkdown(
  run,
  run.machine,
  run.command ?? `npm run bench -- --size ${size}`,
  'benchmark-recall-qps.svg',
  new Date(run.started),
  new Date(run.finished ?? run.started),
);
await writeReport(join(repo, 'docs/benchmarks.md'), markdown);
console.log(`wrote ${svg} and docs/benchmarks.md from bench/results/${size}.json`);
