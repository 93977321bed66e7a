/**
 * Creating and editing an instance. The common keys have their own fields; every other key of
 * the instance is kept, as JSON, in "Other settings". A problem the server reports at a key is
 * shown at that key's field (or at "Other settings"); an edit made by someone else since the
 * form was loaded is reported (the save sends If-Match) and never overwritten.
 */
import { api, ApiError, type FieldError } from './api.js';
import { el } from './dom.js';

type Settings = Record<string, unknown>;

interface FormField {
  /** Key path in the instance (`oidc.signing_key`). */
  readonly key: string;
  readonly label: string;
  readonly hint?: string;
  readonly multiline?: boolean;
  /** Form text -> value (undefined: leave the key out), and back. */
  readonly parse?: (text: string) => unknown;
  readonly format?: (value: unknown) => string;
}

const list = { parse: (text: string) => text.split(',').map((item) => item.trim()).filter(Boolean), format: (value: unknown) => (Array.isArray(value) ? value.join(', ') : String(value ?? '')) };

const FIELDS: FormField[] = [
  {
    key: 'supported_token_transforms',
    label: 'Transforms',
    hint: 'One per line: USERNAME -> OPENIDCONNECT',
    multiline: true,
    parse: (text) =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => {
          const [from = '', to = ''] = line.split(/\s*(?:->|→|>)\s*/);
          return { from: from.trim(), to: to.trim() };
        }),
    format: (value) => (Array.isArray(value) ? value.map((t: { from: string; to: string }) => `${t.from} -> ${t.to}`).join('\n') : ''),
  },
  { key: 'oidc.issuer', label: 'ID token issuer' },
  { key: 'oidc.audience', label: 'ID token audience', hint: 'Comma-separated client ids', ...list },
  { key: 'oidc.signature_algorithm', label: 'ID token signature algorithm', hint: 'RS256, ES256, ...' },
  { key: 'oidc.signing_key', label: 'ID token signing key', hint: 'A kid of the realm' },
  { key: 'saml2.issuer', label: 'SAML issuer' },
  { key: 'saml2.sp_entity_id', label: 'SAML service provider entity ID' },
  { key: 'saml2.sp_acs_url', label: 'SAML service provider ACS URL' },
  { key: 'saml2.signing_key', label: 'SAML signing key', hint: 'A kid of the realm' },
];
const OTHER = 'other';

function getPath(object: Settings, key: string): unknown {
  return key.split('.').reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Settings)[part] : undefined), object);
}

function setPath(object: Settings, key: string, value: unknown): void {
  const parts = key.split('.');
  let target = object;
  for (const part of parts.slice(0, -1)) {
    if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
    target = target[part] as Settings;
  }
  target[parts[parts.length - 1]] = value;
}

function deletePath(object: Settings, key: string): void {
  const parts = key.split('.');
  const parent = parts.length > 1 ? (getPath(object, parts.slice(0, -1).join('.')) as Settings | undefined) : object;
  if (parent && typeof parent === 'object') delete parent[parts[parts.length - 1]];
  if (parts.length > 1 && parent && Object.keys(parent).length === 0) deletePath(object, parts.slice(0, -1).join('.'));
}

/** The form field a server problem belongs to: the field of that key or of a key above it, else Other settings. */
export function fieldFor(problemKey: string): string {
  const field = FIELDS.find((f) => problemKey === f.key || problemKey.startsWith(`${f.key}.`) || problemKey.startsWith(`${f.key}[`));
  return field ? field.key : OTHER;
}

interface Loaded {
  readonly path: string;
  readonly published: Settings;
  readonly revision: string;
}

export async function instanceFormView(path: string | undefined, onSaved: (path: string) => void): Promise<HTMLElement> {
  const loaded: Loaded | undefined = path ? { path, ...(await api<{ published: Settings; revision: string }>('GET', `/instances${path}`)) } : undefined;
  const { realm: loadedRealm = '/', name: loadedName = '', ...settings } = (loaded?.published ?? {}) as Settings & { realm?: string; name?: string };
  const other = structuredClone(settings);
  for (const field of FIELDS) deletePath(other, field.key);

  const controls = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  let counter = 0;
  const row = (key: string, label: string, control: HTMLInputElement | HTMLTextAreaElement, hint?: string) => {
    const id = `if-${++counter}`;
    control.id = id;
    const error = el('p', { id: `${id}-error`, class: 'field-error warning' });
    const hintElement = hint ? el('p', { id: `${id}-hint`, class: 'hint' }, hint) : undefined;
    control.setAttribute('aria-describedby', [hintElement && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '));
    controls.set(key, control);
    errors.set(key, error);
    return el('div', { class: 'field' }, el('label', { for: id }, label), hintElement, control, error);
  };

  const realm = el('input', { name: 'realm', value: String(loadedRealm) });
  const name = el('input', { name: 'name', value: String(loadedName) });
  const rows: HTMLElement[] = [];
  if (!loaded) rows.push(row('realm', 'Realm', realm, 'Realm path: / or /eu/fr'), row('name', 'Name', name, 'The instance is served at /rest-sts/<realm>/<name>'));
  for (const field of FIELDS) {
    const control = field.multiline ? el('textarea', { rows: '3', spellcheck: 'false' }) : el('input', { spellcheck: 'false' });
    const value = getPath(settings, field.key);
    control.value = value === undefined ? '' : field.format ? field.format(value) : String(value);
    rows.push(row(field.key, field.label, control, field.hint));
  }
  const otherControl = el('textarea', { rows: '8', spellcheck: 'false', class: 'code' });
  otherControl.value = JSON.stringify(other, null, 2);
  rows.push(row(OTHER, 'Other settings (JSON)', otherControl, 'Every other key of the instance, as in the realm file'));

  const summary = el('div', { role: 'alert', class: 'warning', id: 'form-summary' });
  const save = el('button', { type: 'submit' }, loaded ? 'Save changes' : 'Create instance');
  const form = el('form', { 'aria-label': loaded ? `Edit ${loaded.path}` : 'New instance', novalidate: '' }, ...rows, summary, save);

  const clearErrors = () => {
    summary.replaceChildren();
    for (const [key, error] of errors) {
      error.textContent = '';
      controls.get(key)?.removeAttribute('aria-invalid');
    }
  };
  const showErrors = (fields: FieldError[], message: string) => {
    const unplaced: string[] = [];
    let first: HTMLElement | undefined;
    for (const problem of fields) {
      const key = problem.field === '' ? undefined : fieldFor(problem.field);
      const error = key && errors.get(key);
      if (!key || !error) {
        unplaced.push(problem.message);
        continue;
      }
      error.textContent = [error.textContent, key === OTHER && problem.field !== OTHER ? `${problem.field}: ${problem.message}` : problem.message].filter(Boolean).join(' ');
      controls.get(key)!.setAttribute('aria-invalid', 'true');
      first ??= controls.get(key);
    }
    summary.append(el('p', {}, fields.length > 0 ? 'The instance was not saved; see the fields marked above.' : message), ...unplaced.map((text) => el('p', {}, text)));
    (first ?? summary).focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    let body: Settings;
    try {
      const parsed = JSON.parse(otherControl.value || '{}') as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('Other settings must be a JSON object.');
      body = parsed as Settings;
    } catch (error) {
      return showErrors([{ field: OTHER, message: error instanceof Error ? error.message : String(error) }], '');
    }
    for (const field of FIELDS) {
      const text = controls.get(field.key)!.value.trim();
      if (text === '') continue;
      setPath(body, field.key, field.parse ? field.parse(text) : text);
    }
    const target = loaded ? loaded.path : `${realm.value.trim() === '/' ? '' : realm.value.trim()}/${name.value.trim()}`;
    const request = loaded
      ? api<{ path: string }>('PUT', `/instances${loaded.path}`, { realm: loadedRealm, name: loadedName, ...body }, { 'if-match': `"${loaded.revision}"` })
      : api<{ path: string }>('POST', '/instances', { realm: realm.value.trim(), name: name.value.trim(), ...body });
    save.disabled = true;
    request
      .then(() => onSaved(target))
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'revision_mismatch') {
          return showErrors([], 'Someone changed this instance after you opened it, so your changes were not saved. Open the instance again to see the current version, then make your changes there.');
        }
        showErrors(error instanceof ApiError ? error.fields : [], error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error));
      })
      .finally(() => (save.disabled = false));
  });
  summary.setAttribute('tabindex', '-1');
  return el('section', { 'aria-labelledby': 'view-title' }, el('h2', { id: 'view-title' }, loaded ? `Edit instance ${loaded.path}` : 'New instance'), form);
}
