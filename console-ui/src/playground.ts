/**
 * The playground: pick an instance, an input and an output type, run a real translate, and read
 * the issued token decoded and checked against the instance's published keys. Credentials stay in
 * the form only until the run: the password or pasted token is cleared as soon as it is sent.
 */
import { api, ApiError } from './api.js';
import { el, facts, replaceContent, table } from './dom.js';

interface InstanceView {
  path: string;
  transforms: { from: string; to: string }[];
}

/** The field of input_token_state that carries each pasted token type. */
const INPUT_FIELDS: Record<string, string> = { OPENIDCONNECT: 'oidc_id_token', SAML2: 'saml2_token', JWT: 'jwt' };

type Inspection =
  | { kind: 'jws'; header: Record<string, unknown>; claims: Record<string, unknown>; verified: boolean; verification: string }
  | { kind: 'jwe'; header: Record<string, unknown>; verification: string }
  | { kind: 'saml2'; issuer?: string; subject?: string; conditions: Record<string, unknown>; attributes: { name: string; values: string[] }[]; signed: boolean; verified: boolean; verification: string; xml: string }
  | { kind: 'x509'; subject: string; issuer: string; serial_number: string; not_before: string; not_after: string; subject_alt_name?: string; sha256_fingerprint: string }
  | { kind: 'opaque'; length: number };

interface Answer {
  status: number;
  curl: string;
  error?: { error?: string; message?: string };
  token?: Inspection;
}

let counter = 0;
/** A labelled form control. */
function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  control.id = `pg-${++counter}`;
  return el('div', { class: 'field' }, el('label', { for: control.id }, label), control);
}

export async function playgroundView(preselected?: string): Promise<HTMLElement> {
  const instances = await api<InstanceView[]>('GET', '/instances');
  const instanceSelect = el('select', { name: 'instance' }, ...instances.map((i) => el('option', { value: i.path }, i.path)));
  if (preselected && instances.some((i) => i.path === preselected)) instanceSelect.value = preselected;
  const inputSelect = el('select', { name: 'input' });
  const outputSelect = el('select', { name: 'output' });
  const username = el('input', { name: 'username', autocomplete: 'off' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'off' });
  const pasted = el('textarea', { name: 'token', rows: '4', spellcheck: 'false' });
  const credentials = el('div', {});
  const result = el('section', { 'aria-live': 'polite', 'aria-labelledby': 'pg-result-title', class: 'result' });

  const current = () => instances.find((i) => i.path === instanceSelect.value);
  const fillOptions = (select: HTMLSelectElement, values: string[]) => select.replaceChildren(...[...new Set(values)].map((v) => el('option', { value: v }, v)));
  const refreshOutputs = () => fillOptions(outputSelect, (current()?.transforms ?? []).filter((t) => t.from === inputSelect.value).map((t) => t.to));
  const refreshCredentials = () =>
    replaceContent(credentials, ...(inputSelect.value === 'USERNAME' ? [field('Username', username), field('Password', password)] : [field(`Token (${inputSelect.value})`, pasted)]));
  const refreshInputs = () => {
    fillOptions(inputSelect, (current()?.transforms ?? []).map((t) => t.from));
    refreshOutputs();
    refreshCredentials();
  };
  instanceSelect.addEventListener('change', refreshInputs);
  inputSelect.addEventListener('change', () => {
    refreshOutputs();
    refreshCredentials();
  });
  refreshInputs();

  const run = el('button', { type: 'submit' }, 'Run the translate');
  const form = el(
    'form',
    { 'aria-label': 'Playground' },
    field('Instance', instanceSelect),
    field('Input token type', inputSelect),
    credentials,
    field('Output token type', outputSelect),
    run,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input: Record<string, string> = { token_type: inputSelect.value };
    if (inputSelect.value === 'USERNAME') Object.assign(input, { username: username.value, password: password.value });
    else input[INPUT_FIELDS[inputSelect.value] ?? 'token'] = pasted.value.trim();
    // Sent once, then gone from the page.
    password.value = '';
    pasted.value = '';
    run.disabled = true;
    api<Answer>('POST', '/playground', { instance: instanceSelect.value, input_token_state: input, output_token_state: { token_type: outputSelect.value } })
      .then((answer) => replaceContent(result, ...answerView(answer)))
      .catch((error: unknown) => replaceContent(result, el('h3', { id: 'pg-result-title' }, 'Refused'), el('p', { role: 'alert' }, describe(error))))
      .finally(() => {
        run.disabled = false;
        result.focus();
      });
  });
  result.setAttribute('tabindex', '-1');
  return el('section', { 'aria-labelledby': 'view-title' }, el('h2', { id: 'view-title' }, 'Playground'), form, result);
}

function describe(error: unknown): string {
  return error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error);
}

function answerView(answer: Answer): Node[] {
  const curl = [el('h3', {}, 'The same request with curl'), el('pre', { class: 'code', tabindex: '0', 'aria-label': 'curl command' }, answer.curl)];
  if (answer.status !== 200 || !answer.token) {
    return [el('h3', { id: 'pg-result-title' }, `Refused: ${answer.status}`), el('p', { role: 'alert' }, `${answer.error?.error ?? 'error'}: ${answer.error?.message ?? ''}`), ...curl];
  }
  return [el('h3', { id: 'pg-result-title' }, 'Issued token'), ...tokenView(answer.token), ...curl];
}

function tokenView(token: Inspection): Node[] {
  switch (token.kind) {
    case 'jws':
      return [
        el('p', { class: token.verified ? 'ok' : 'warning', 'data-verified': String(token.verified) }, token.verification),
        table('Header', ['Name', 'Value'], Object.entries(token.header).map(([name, value]) => [name, text(value)])),
        table('Claims', ['Claim', 'Value'], Object.entries(token.claims).map(([name, value]) => [name, text(value)])),
      ];
    case 'jwe':
      return [el('p', {}, token.verification), table('Header', ['Name', 'Value'], Object.entries(token.header).map(([name, value]) => [name, text(value)]))];
    case 'saml2':
      return [
        el('p', { class: token.verified ? 'ok' : 'warning', 'data-verified': String(token.verified) }, token.verification),
        facts([['Issuer', token.issuer ?? '—'], ['Subject', token.subject ?? '—'], ...Object.entries(token.conditions).map(([name, value]): [string, unknown] => [name, text(value)])], 'Assertion'),
        table('Attributes', ['Attribute', 'Values'], token.attributes.map((attribute) => [attribute.name, attribute.values.join(', ')])),
        el('pre', { class: 'code', tabindex: '0', 'aria-label': 'Assertion XML' }, token.xml),
      ];
    case 'x509':
      return [
        facts(
          [
            ['Subject', token.subject],
            ['Issuer', token.issuer],
            ['Serial number', token.serial_number],
            ['Valid from', token.not_before],
            ['Valid until', token.not_after],
            ['Subject alternative names', token.subject_alt_name ?? '—'],
            ['SHA-256 fingerprint', token.sha256_fingerprint],
          ],
          'Certificate',
        ),
      ];
    case 'opaque':
      return [el('p', {}, `An opaque token of ${token.length} characters.`)];
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
