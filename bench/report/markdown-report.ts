import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
import * as prettier from 'prettier';
import type { BenchContext } from '../lib/context.js';
import { markdownTable } from '../lib/format.js';

export const START =
  '<!-- bench:results:start (written by bench/run.ts; edit outside these markers) -->';
export const END = '<!-- bench:results:end -->';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  elasticsearch: string;
  heap: string;
  loadStart: string;
  /** Filled in at the end of the run. */
  loadEnd?: string;
  freeGiBEnd?: number;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export function machineInfo(elasticsearch: string, heap: string): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? '?',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    elasticsearch,
    heap,
    loadStart: load(),
  };
}

export function finishMachineInfo(machine: MachineInfo): MachineInfo {
  return { ...machine, loadEnd: load(), freeGiBEnd: Math.round(freemem() / 2 ** 30) };
}

/** Sections in the order (1–8), the related extra ones after their number. */
const SECTION_ORDER: [RegExp, number][] = [
  [/^1\./, 1],
  [/^2\./, 2],
  [/^Head to head/, 2.1],
  [/^Multi-probe/, 2.2],
  [/^`more_like_this`/, 2.3],
  [/^Levers/, 2.4],
  [/^Real data/, 2.5],
  [/^3\./, 3],
  [/^4\./, 4],
  [/^5\./, 5],
  [/^6\./, 6],
  [/^7\./, 7],
  [/^8\./, 8],
];

/** Targets in the order. */
const TARGET_ORDER = [
  /^Recall/,
  /^At that recall/,
  /^Gateway throughput/,
  /^Hashing/,
  /^Ingest/,
  /^Filtered/,
];

function targetRank(target: string): number {
  const i = TARGET_ORDER.findIndex((re) => re.test(target));
  return i < 0 ? TARGET_ORDER.length : i;
}

function rank(heading: string): number {
  return SECTION_ORDER.find(([re]) => re.test(heading))?.[1] ?? 9;
}

/** The generated part of docs/benchmarks.md. */
export function resultsMarkdown(
  ctx: Pick<BenchContext, 'size' | 'targets' | 'sections'>,
  machine: MachineInfo,
  command: string,
  plotFile: string,
  started: Date,
  finished: Date,
): string {
  const lines: string[] = [];
  const minutes = ((finished.getTime() - started.getTime()) / 60000).toFixed(1);
  lines.push(
    `## Latest results (\`${ctx.size.name}\`: N = ${ctx.size.corpus.toLocaleString('en-US')})`,
    '',
    `Command: \`${command}\` — run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; ` +
      `Node ${machine.node}; Elasticsearch ${machine.elasticsearch} (integration-test distribution, ` +
      `heap ${machine.heap}, single node, same machine). Load average at start ${machine.loadStart}` +
      (machine.loadEnd ? `, at end ${machine.loadEnd}` : '') +
      (machine.freeGiBEnd !== undefined ? `; free memory at end ${machine.freeGiBEnd} GiB` : '') +
      '. Everything (load generator, gateway, Elasticsearch, Python) shares these cores: ratios ' +
      'are taken within this one run.',
    '',
    '### Targets',
    '',
    markdownTable({
      title: 'targets',
      columns: ['target', 'measured', 'met'],
      rows: [...ctx.targets]
        .sort((a, b) => targetRank(a.target) - targetRank(b.target))
        .map((t) => [t.target, t.measured, t.met === null ? '–' : t.met ? 'yes' : '**no**']),
    }),
    '',
    '### Recall against throughput',
    '',
    `![recall@10 against queries per second](${plotFile})`,
    '',
  );
  const sections = [...ctx.sections].sort((a, b) => rank(a.heading) - rank(b.heading));
  for (const s of sections) {
    lines.push(`### ${s.heading}`, '');
    if (s.intro) lines.push(s.intro, '');
    for (const t of s.tables) {
      lines.push(`**${t.title}**`, '', markdownTable(t), '');
      if (t.note) lines.push(t.note, '');
    }
  }
  return lines.join('\n');
}

const SKELETON = `# Benchmarks

Figures, not tests: every table below is printed by \`npm run bench\` and ratios are taken against a
baseline measured in the same run on the same machine.

${START}
${END}
`;

/**
 * Writes the generated part between the markers, keeping the hand-written text around it, and
 * formats the file with the repository's Prettier settings (so `npm run lint` stays clean).
 */
export async function writeReport(file: string, generated: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : SKELETON;
  if (!doc.includes(START) || !doc.includes(END)) doc = `${doc.trimEnd()}\n\n${START}\n${END}\n`;
  const before = doc.slice(0, doc.indexOf(START) + START.length);
  const after = doc.slice(doc.indexOf(END));
  await writeFormatted(file, `${before}\n\n${generated.trim()}\n\n${after}`);
}

/** Writes a file formatted by Prettier with the repository's settings (Markdown, JSON, …). */
export async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
