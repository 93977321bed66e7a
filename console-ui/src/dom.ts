/**
 * Builds elements. Text only ever goes in through textContent (never innerHTML), so an instance
 * name, a claim or a SAML attribute value is shown as text whatever it contains.
 */
type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** A table with a caption (for screen readers), column headers and rows of text or nodes. */
export function table(caption: string, headers: string[], rows: Child[][]): HTMLElement {
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, ...headers.map((header) => el('th', { scope: 'col' }, header)))),
      el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell))))),
    ),
  );
}

/** A definition list of name -> value pairs, values as text (objects as JSON). */
export function facts(entries: [string, unknown][], label: string): HTMLElement {
  const list = el('dl', { 'aria-label': label });
  for (const [name, value] of entries) list.append(el('dt', {}, name), el('dd', {}, typeof value === 'string' ? value : JSON.stringify(value)));
  return list;
}

export function replaceContent(target: Element, ...children: Child[]): void {
  target.replaceChildren();
  for (const child of children) if (child !== undefined && child !== false) target.append(child);
}
