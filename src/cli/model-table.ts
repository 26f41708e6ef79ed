import type { ModelRecord } from '../models/model-record.js';

const COLUMNS: { title: string; value: (r: ModelRecord) => string; right?: boolean }[] = [
  { title: 'MODALITY', value: (r) => r.modality },
  { title: 'VERSION', value: (r) => String(r.version), right: true },
  { title: 'DIM', value: (r) => String(r.dim), right: true },
  { title: 'SUBSPACES', value: (r) => String(r.subspaces), right: true },
  { title: 'CLUSTERS', value: (r) => String(r.clusters), right: true },
  { title: 'ACTIVE', value: (r) => (r.active ? 'yes' : '') },
  { title: 'TRAINED ON', value: (r) => String(r.trainedOn), right: true },
  { title: 'CREATED AT', value: (r) => r.createdAt },
];

/** Models as an aligned text table, one row per version, modality then version ascending. */
export function formatModelTable(records: readonly ModelRecord[]): string {
  const rows = [...records]
    .sort((a, b) => a.modality.localeCompare(b.modality) || a.version - b.version)
    .map((r) => COLUMNS.map((c) => c.value(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(COLUMNS.map((c) => c.title)), ...rows.map(format)].join('\n');
}

/** One line describing a model: "IMAGE model version 2 (active): dim 16, 4 × 8, …". */
export function describeModel(r: ModelRecord): string {
  return (
    `${r.modality} model version ${r.version}${r.active ? ' (active)' : ''}: dim ${r.dim}, ` +
    `${r.subspaces} subspaces × ${r.clusters} clusters, ${r.metric}${r.rotated ? ', rotated' : ''}, ` +
    `trained on ${r.trainedOn} vectors`
  );
}
