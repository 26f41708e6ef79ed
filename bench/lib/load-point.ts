import { loadavg } from 'node:os';
import { fmtMs, fmtQps, fmtRecall, log, type Table } from './format.js';
import { runLoad } from './load-generator.js';
import { cpuSpan } from './process-cpu.js';
import { meanRecall } from './stats.js';

/** One measured point: recall, throughput, latency and CPU per request of each process. */
export interface Point {
  method: string;
  setting: string;
  recall: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  esCpuMs: number;
  gatewayCpuMs: number | null;
  load: number;
}

/** How each point is loaded: closed-loop clients, unmeasured warm-up requests, seconds. */
export interface LoadShape {
  clients: number;
  warmup: number;
  seconds: number;
}

export const totalCpu = (p: Point) => p.esCpuMs + (p.gatewayCpuMs ?? 0);

/** Runs `answer` for every query under load; the first answer to each query is scored. */
export async function measure(
  shape: LoadShape,
  method: string,
  setting: string,
  answer: (q: number) => Promise<string[]>,
  truths: string[][],
  pids: { es: number; gateway?: number },
): Promise<Point> {
  const Q = truths.length;
  const answers: (string[] | undefined)[] = new Array(Q);
  let measuring = false;
  const task = async (i: number) => {
    const ids = await answer(i % Q);
    if (measuring && answers[i % Q] === undefined) answers[i % Q] = ids;
  };
  await runLoad(task, {
    concurrency: shape.clients,
    maxRequests: shape.warmup,
    maxSeconds: shape.seconds,
  });
  measuring = true;
  const span = cpuSpan({ es: pids.es, ...(pids.gateway ? { gateway: pids.gateway } : {}) });
  const r = await runLoad(task, {
    concurrency: shape.clients,
    maxRequests: 1_000_000,
    maxSeconds: shape.seconds,
    minRequests: Q,
  });
  const cpu = span.stop();
  const point: Point = {
    method,
    setting,
    recall: meanRecall(answers, truths),
    qps: r.qps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    esCpuMs: (cpu.es! * 1000) / r.requests,
    gatewayCpuMs: pids.gateway ? (cpu.gateway! * 1000) / r.requests : null,
    load: loadavg()[0]!,
  };
  log(
    `${method} ${setting}: recall ${fmtRecall(point.recall)}, ${fmtQps(point.qps)} qps, ` +
      `CPU ms/req ES ${point.esCpuMs.toFixed(2)} gateway ${point.gatewayCpuMs?.toFixed(2) ?? '–'}`,
  );
  return point;
}

/** The table of measured points: recall, qps, latency and CPU per request per process. */
export function pointTable(
  title: string,
  k: number,
  clients: number,
  points: Point[],
  note: string,
): Table {
  return {
    title,
    columns: [
      'method',
      'setting',
      `recall@${k}`,
      `qps (${clients} clients)`,
      'p50 ms',
      'p99 ms',
      'ES CPU ms/req',
      'gateway CPU ms/req',
      'total CPU ms/req',
      'load avg',
    ],
    rows: points.map((p) => [
      p.method,
      p.setting,
      fmtRecall(p.recall),
      fmtQps(p.qps),
      fmtMs(p.p50Ms),
      fmtMs(p.p99Ms),
      p.esCpuMs.toFixed(2),
      p.gatewayCpuMs === null ? '–' : p.gatewayCpuMs.toFixed(2),
      totalCpu(p).toFixed(2),
      p.load.toFixed(1),
    ]),
    note,
  };
}
