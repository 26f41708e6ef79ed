import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
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
}

export function machineInfo(elasticsearch: string, heap: string): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? '?',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    elasticsearch,
    heap,
    loadStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** The generated part of docs/benchmarks.md. */
export function resultsMarkdown(
  ctx: BenchContext,
  machine: MachineInfo,
  command: string,
  plotFile: string,
  started: Date,
): string {
  const lines: string[] = [];
  const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
  lines.push(
    `## Latest results (\`${ctx.size.name}\`: N = ${ctx.size.corpus.toLocaleString('en-US')})`,
    '',
    `Command: \`${command}\` — run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; ` +
      `Node ${machine.node}; Elasticsearch ${machine.elasticsearch} (integration-test distribution, ` +
      `heap ${machine.heap}, single node, same machine). Load average at start ${machine.loadStart}, ` +
      `at end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; free memory at end ` +
      `${Math.round(freemem() / 2 ** 30)} GiB. Everything (load generator, gateway, Elasticsearch, ` +
      'Python) shares these cores: ratios are taken within this one run.',
    '',
    '### Targets',
    '',
    markdownTable({
      title: 'targets',
      columns: ['target', 'measured', 'met'],
      rows: ctx.targets.map((t) => [
        t.target,
        t.measured,
        t.met === null ? '–' : t.met ? 'yes' : '**no**',
      ]),
    }),
    '',
    '### Recall against throughput',
    '',
    `![recall@10 against queries per second](${plotFile})`,
    '',
  );
  for (const s of ctx.sections) {
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

/** Writes the generated part between the markers, keeping the hand-written text around it. */
export function writeReport(file: string, generated: string): void {
  mkdirSync(dirname(file), { recursive: true });
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : SKELETON;
  if (!doc.includes(START) || !doc.includes(END)) doc = `${doc.trimEnd()}\n\n${START}\n${END}\n`;
  const before = doc.slice(0, doc.indexOf(START) + START.length);
  const after = doc.slice(doc.indexOf(END));
  writeFileSync(file, `${before}\n\n${generated.trim()}\n\n${after}`);
}
