import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds a process has used so far: user + system time of /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The pid of the Elasticsearch node at `url` (it runs on this machine). */
export async function elasticsearchPid(url: string): Promise<number> {
  const response = await fetch(`${url}/_nodes/_local/process`);
  const body = (await response.json()) as { nodes: Record<string, { process: { id: number } }> };
  const node = Object.values(body.nodes)[0];
  if (!node) throw new Error(`${url}: no local node`);
  return node.process.id;
}

/** CPU time of several processes over a span: `stop()` gives seconds used per process. */
export function cpuSpan(pids: Record<string, number>): { stop(): Record<string, number> } {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return {
    stop: () =>
      Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - start[k]!])),
  };
}
