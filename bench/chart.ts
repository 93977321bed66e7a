/**
 * The chart written next to bench/results.json (results.svg): for the headline worker count, each
 * scenario's rps as a bar over a pale bar of its ceiling, the ceilings and the peers as bars of
 * their own, and the peers again as dashed lines across the scenarios. Plain SVG text, one scale.
 */
import type { BenchResults } from './results';

const WIDTH = 980;
const LABEL_WIDTH = 270;
const BAR_LEFT = LABEL_WIDTH + 10;
const BAR_WIDTH = 470;
const ROW = 24;
const BAR = 16;
const COLOURS = { scenario: '#2f6db5', ceiling: '#d9dde3', ceilingBar: '#8a94a3', peer: '#d9822b', text: '#222', faint: '#666' };

interface Row {
  readonly label: string;
  readonly rps?: number;
  readonly colour: string;
  /** A pale bar behind the main one (the scenario's ceiling). */
  readonly behind?: number;
  readonly note: string;
}

export function renderChart(results: BenchResults): string {
  const { run, ceilings } = results;
  const peers = Object.entries(results.peers);
  const rows: (Row | string)[] = [
    'ceilings',
    ...(['http_echo_rps', 'crypto_echo_rps'] as const).map((name) => ({ label: name, rps: ceilings[name], colour: COLOURS.ceilingBar, note: `${ceilings[name]} rps` })),
    'peers',
    ...peers.map(([name, peer]) => ({ label: name, rps: peer.rps, colour: COLOURS.peer, note: `${peer.rps} rps` })),
    'scenarios (pale: the scenario\u2019s ceiling)',
    ...results.scenarios.map((s): Row => {
      if (s.skipped) return { label: s.name, colour: COLOURS.scenario, note: `skipped: ${s.skipped}` };
      const ceiling = ceilings[s.ceiling as keyof BenchResults['ceilings']];
      return { label: s.name, rps: s.rps, behind: ceiling, colour: COLOURS.scenario, note: `${s.rps} rps, ${s.ratio} of ${s.ceiling}` };
    }),
  ];

  const top = 58;
  const height = top + rows.length * ROW + 40;
  const scenarioRows = rows.findIndex((r) => typeof r === 'string' && r.startsWith('scenarios'));
  const { max, step } = scale(Math.max(1, ...rows.flatMap((r) => (typeof r === 'string' ? [] : [r.rps ?? 0, r.behind ?? 0]))));
  const x = (rps: number) => BAR_LEFT + (Math.min(rps, max) / max) * BAR_WIDTH;
  const y = (index: number) => top + index * ROW;

  const parts: string[] = [];
  parts.push(`<text x="10" y="22" font-size="15" font-weight="bold">rest-sts benchmark: requests per second, ${results.workers} worker(s), ${run.connections} connections</text>`);
  parts.push(`<text x="10" y="42" font-size="12" fill="${COLOURS.faint}">${escape(`${run.date.slice(0, 16).replace('T', ' ')} UTC · ${run.cpus} CPUs (${run.cpu_model}) · node ${run.node}${run.quick ? ' · quick run' : ''}`)}</text>`);

  // Scale: gridlines with their values at the bottom.
  const bottom = y(rows.length) + 4;
  for (let value = 0; value <= max; value += step) {
    parts.push(`<line x1="${x(value)}" y1="${top - 4}" x2="${x(value)}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x(value)}" y="${bottom + 14}" font-size="11" text-anchor="middle" fill="${COLOURS.faint}">${Math.round(value)}</text>`);
  }

  rows.forEach((row, index) => {
    const rowY = y(index);
    if (typeof row === 'string') {
      parts.push(`<text x="10" y="${rowY + 16}" font-size="12" font-weight="bold" fill="${COLOURS.faint}">${escape(row)}</text>`);
      return;
    }
    parts.push(`<text x="${LABEL_WIDTH}" y="${rowY + 13}" font-size="12" text-anchor="end" fill="${COLOURS.text}">${escape(row.label)}</text>`);
    if (row.behind) parts.push(bar(rowY, x(row.behind), COLOURS.ceiling));
    if (row.rps !== undefined) parts.push(bar(rowY, x(row.rps), row.colour));
    const noteX = Math.max(x(row.rps ?? 0), x(row.behind ?? 0)) + 6;
    parts.push(`<text x="${noteX}" y="${rowY + 13}" font-size="11" fill="${COLOURS.faint}">${escape(row.note)}</text>`);
  });

  // The peers across the scenarios, so each scenario reads against them at a glance.
  if (scenarioRows >= 0) {
    peers.forEach(([name, peer], i) => {
      const px = x(peer.rps);
      parts.push(`<line x1="${px}" y1="${y(scenarioRows) + 4}" x2="${px}" y2="${bottom}" stroke="${COLOURS.peer}" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${px + 3}" y="${y(scenarioRows) + 12 + i * 11}" font-size="10" fill="${COLOURS.peer}">${escape(name.replace('oidc-provider ', ''))}</text>`);
    });
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function bar(rowY: number, right: number, colour: string): string {
  return `<rect x="${BAR_LEFT}" y="${rowY + 2}" width="${Math.max(1, right - BAR_LEFT).toFixed(1)}" height="${BAR}" fill="${colour}"/>`;
}

/** A round step (1, 2 or 5 times a power of ten) giving 4 to 8 gridlines, and the scale's end, a multiple of it. */
function scale(value: number): { max: number; step: number } {
  const power = 10 ** Math.floor(Math.log10(value / 4));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => value / candidate <= 8)!;
  return { max: Math.ceil(value / step) * step, step };
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
