/**
 * "Did you mean" for names: the candidate nearest to a mistyped name by edit distance (optimal
 * string alignment: insertions, deletions, substitutions and swaps of neighbours each count 1),
 * compared case-insensitively. Only near misses count, so an unrelated name suggests nothing.
 */

/** At most this many edits, and fewer than half the name's length (so `ab` never "means" `xy`). */
const MAX_DISTANCE = 2;

export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.min(MAX_DISTANCE, Math.ceil(wanted.length / 2) - 1);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

export function editDistance(a: string, b: string): number {
  // d[i][j]: edits turning the first i characters of a into the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
