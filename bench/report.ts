import { cpus, totalmem } from 'node:os';
import type { RowGroup } from './options.js';

export interface Row {
  group: RowGroup;
  what: string;
  khaznati: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** Undefined when the row has no goal of its own, or was not run. */
  met: boolean | undefined;
  /** Each round's figures, for the record. */
  samples?: string;
}

export interface RunInfo {
  date: Date;
  quick: boolean;
  seconds: number;
  notes: string[];
  profiles: string[];
}

function verdict(row: Row): string {
  if (row.met === undefined) return '—';
  return row.met ? 'met' : 'NOT MET';
}

export function machineSummary(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memory = (totalmem() / 1024 ** 3).toFixed(1);
  return `${cores.length} cores (${model}), ${memory} GiB memory, Node.js ${process.version}`;
}

const COLUMNS = ['what', 'Khaznati', 'baseline (same run)', 'ratio', 'goal', 'result'];

function cells(row: Row): string[] {
  return [row.what, row.khaznati, row.baseline, row.ratio, row.goal, verdict(row)];
}

/** A plain-text table for the terminal. */
export function textTable(rows: Row[]): string {
  const body = rows.map(cells);
  const widths = COLUMNS.map((title, i) =>
    Math.max(title.length, ...body.map((line) => line[i]!.length)),
  );
  const format = (line: string[]) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [format(COLUMNS), format(widths.map((w) => '-'.repeat(w))), ...body.map(format)].join(
    '\n',
  );
}

const escapeCell = (text: string) => text.replaceAll('|', '\\|');

export function markdownReport(rows: Row[], run: RunInfo): string {
  const table = [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${cells(row).map(escapeCell).join(' | ')} |`),
  ];
  const samples = rows.filter((row) => row.samples).map((row) => `- ${row.what}: ${row.samples}`);
  const missed = rows.filter((row) => row.met === false).map((row) => `- ${row.what}`);

  return [
    '# Benchmarks',
    '',
    `Measured ${run.date.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench${run.quick ? ' -- --quick' : ''}\``,
    `on ${machineSummary()}; the run took ${Math.round(run.seconds / 60)} minutes.`,
    '',
    ...table,
    '',
    '## How to read this',
    '',
    ...run.notes.map((note) => `- ${note}`),
    '',
    '## Goals not met',
    '',
    ...(missed.length > 0 ? missed : ['None.']),
    ...(run.profiles.length > 0 ? ['', '## Where the time goes', '', ...run.profiles] : []),
    '',
    '## Every round',
    '',
    ...samples,
    '',
  ].join('\n');
}
