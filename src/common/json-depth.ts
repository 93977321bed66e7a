/**
 * How deeply a parsed JSON value nests, checked without recursion (a recursive walk overflows the
 * stack on the inputs it is meant to refuse). `{}`, `[]` and `{"a": 1}` are depth 1. Runs on every
 * request body: two plain stacks and for-in loops, so the walk allocates almost nothing.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (maxDepth < 1) return true;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const childDepth = depths.pop()! + 1;
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) if (nests(current[i], childDepth)) return true;
    } else {
      for (const key in current) if (nests((current as Record<string, unknown>)[key], childDepth)) return true;
    }
  }
  return false;

  /** Queues a child that is an array or object; true when it is one level too many. */
  function nests(child: unknown, depth: number): boolean {
    if (typeof child !== 'object' || child === null) return false;
    if (depth > maxDepth) return true;
    values.push(child);
    depths.push(depth);
    return false;
  }
}
