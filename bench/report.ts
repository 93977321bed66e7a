/** Prints bench/results.json as the tables a person reads after `npm run bench`. */
import type { BenchResults } from './results';

export function formatReport(results: BenchResults): string {
  const lines: string[] = [];
  const { run } = results;
  lines.push(`rest-sts benchmark ${run.date} · node ${run.node} · ${run.cpus} CPUs (${run.cpu_model}) · ${run.connections} connections, ${run.seconds} s per scenario${run.quick ? ' (quick)' : ''}`);
  lines.push('');
  const passes = [{ workers: results.workers, ceilings: results.ceilings, scenarios: results.scenarios, peers: results.peers, rss: results.rss_mib_per_worker }, ...results.scaling.map((s) => ({ ...s, rss: s.rss_mib_per_worker }))];
  lines.push(table(['ceiling', ...passes.map((p) => `${p.workers} worker(s)`)], Object.keys(results.ceilings).map((name) => [name, ...passes.map((p) => String(p.ceilings[name as keyof BenchResults['ceilings']]))])));
  lines.push('');
  const headline = passes[0];
  const more = passes.slice(1);
  lines.push(
    table(
      ['scenario', 'rps', 'p50 ms', 'p99 ms', 'errors', 'non2xx', 'ceiling', 'ratio', 'x peer', 'x exchange peer', ...more.flatMap((p) => [`rps ${p.workers}w`, `scaling`])],
      headline.scenarios.map((s) => {
        if (s.skipped) return [s.name, `skipped: ${s.skipped}`];
        const scaled = more.map((p) => p.scenarios.find((o) => o.name === s.name));
        return [
          s.name, String(s.rps), String(s.p50_ms), String(s.p99_ms), String(s.errors), String(s.non2xx), s.ceiling, s.ratio.toFixed(3),
          s.peer_ratio?.toFixed(2) ?? '-',
          s.exchange_peer_ratio?.toFixed(2) ?? '-',
          ...scaled.flatMap((o) => (o && !o.skipped ? [String(o.rps), (o.rps / s.rps).toFixed(2)] : ['-', '-'])),
        ];
      }),
    ),
  );
  lines.push('');
  for (const p of passes) {
    for (const [name, peer] of Object.entries(p.peers)) {
      lines.push(`peer ${name}, ${p.workers} worker(s): ${peer.rps} rps, p50 ${peer.p50_ms} ms, p99 ${peer.p99_ms} ms, ${peer.errors} errors, ${peer.non2xx} non-2xx`);
    }
    lines.push(`RSS per STS worker at the end, ${p.workers} worker(s): ${p.rss.map((m) => `${m} MiB`).join(', ')}`);
  }
  const reused = [...passes.flatMap((p) => p.scenarios), ...passes.flatMap((p) => Object.entries(p.peers).map(([name, peer]) => ({ name, ...peer })))].filter((s) => s.inputs_reused);
  for (const s of reused) lines.push(`warning: ${s.name} ran out of fresh input tokens; ${s.inputs_reused} requests repeated one`);
  lines.push('');
  lines.push(
    table(
      ['target', 'value', 'goal', 'met'],
      results.targets.map((t) => [`${t.target}${t.detail ? ` (${t.detail})` : ''}`, String(t.value), t.goal, t.met ? 'yes' : 'NO']),
    ),
  );
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.length === 2 && i > 0 ? 0 : (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => (r.length === 2 && header.length > 2 ? `${r[0].padEnd(widths[0])}  ${r[1]}` : line(r)))].join('\n');
}
