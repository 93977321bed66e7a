/**
 * JSON.parse keeps the last of two members with the same name, silently; another JOSE library may
 * keep the first. A token read differently by two parsers is refused, so we look for duplicates in
 * the JSON text itself. Only call this on text JSON.parse has accepted: the scanner relies on it.
 */

/** The first member name that occurs twice in one object, or undefined. */
export function findDuplicateMember(json: string): string | undefined {
  // One entry per open container: the member names seen so far, or null for an array.
  const open: Array<Set<string> | null> = [];
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      let escaped = false;
      while (json[end] !== '"') {
        if (json[end] === '\\') {
          escaped = true;
          end += 2;
        } else end += 1;
      }
      if (expectName) {
        // Decoded, so "a" and "\u0061" count as the same name; a name without escapes is its text.
        const name = escaped ? (JSON.parse(json.slice(i, end + 1)) as string) : json.slice(i + 1, end);
        const names = open[open.length - 1]!;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      expectName = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}
