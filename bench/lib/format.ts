/** Plain-text figures: Markdown tables (printed and written to docs) and number formatting. */

export type Cell = string | number | null | undefined;

export interface Table {
  /** Short title, printed above the table. */
  title: string;
  /** What the table shows and how it was measured, printed below it. */
  note?: string;
  columns: string[];
  rows: Cell[][];
}

export function fmt(value: Cell, digits = 1): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

export const fmtRecall = (r: number | null | undefined): string =>
  r === null || r === undefined ? '–' : r.toFixed(3);
export const fmtRatio = (r: number | null | undefined): string =>
  r === null || r === undefined || !Number.isFinite(r)
    ? '–'
    : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
export const fmtMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '–' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
export const fmtQps = (q: number | null | undefined): string =>
  q === null || q === undefined
    ? '–'
    : q >= 100
      ? Math.round(q).toLocaleString('en-US')
      : q.toFixed(1);

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

/** A GitHub-flavoured Markdown table; numbers right-aligned. */
export function markdownTable(table: Table): string {
  const rows = table.rows.map((row) => row.map((c) => escapeCell(fmt(c))));
  const numeric = table.columns.map((_, j) =>
    table.rows.every(
      (row) =>
        typeof row[j] !== 'string' || /^[-+~≈<>≥≤]?[\d.,]+[×%]?( ms| s)?$/.test(row[j] as string),
    ),
  );
  const header = `| ${table.columns.map(escapeCell).join(' | ')} |`;
  const rule = `| ${table.columns.map((_, j) => (numeric[j] ? '---:' : '---')).join(' | ')} |`;
  const body = rows.map((row) => `| ${row.join(' | ')} |`);
  return [header, rule, ...body].join('\n');
}

/** Prints a table to stdout the way it appears in docs/benchmarks.md. */
export function printTable(table: Table): void {
  const lines = [`\n### ${table.title}\n`, markdownTable(table)];
  if (table.note) lines.push('', table.note);
  console.log(lines.join('\n'));
}

export function log(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  console.error(`[bench ${time}] ${message}`);
}

/** The four cells every load table shows, in its column order: recall@10, qps, p50, p99. */
export function loadCells(r: {
  recall: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
}): string[] {
  return [fmtRecall(r.recall), fmtQps(r.qps), fmtMs(r.p50Ms), fmtMs(r.p99Ms)];
}
