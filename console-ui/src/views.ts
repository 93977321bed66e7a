/** The read-only views: instances, one instance, keys, plugins, configuration status. */
import { api, ApiError } from './api.js';
import { el, facts, table } from './dom.js';

interface InstanceView {
  path: string;
  realm: string;
  name: string;
  transforms: { from: string; to: string }[];
  outputs: string[];
  issuer?: string;
  links: { rel: string; href: string }[];
}

const linkList = (links: { rel: string; href: string }[]) =>
  el('ul', { class: 'inline' }, ...links.map((link) => el('li', {}, el('a', { href: link.href }, link.rel))));

export async function instancesView(): Promise<HTMLElement> {
  const instances = await api<InstanceView[]>('GET', '/instances');
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, 'Instances'),
    el('p', {}, el('a', { href: '#/new', class: 'button' }, 'New instance')),
    table(
      `${instances.length} STS instance(s)`,
      ['Instance', 'Transforms', 'Issuer', 'Documents'],
      instances.map((instance) => [
        el('a', { href: `#/instances${instance.path}` }, instance.path),
        el('ul', { class: 'plain' }, ...instance.transforms.map((t) => el('li', {}, `${t.from} → ${t.to}`))),
        instance.issuer ?? '—',
        linkList(instance.links),
      ]),
    ),
  );
}

export async function instanceView(path: string, onDeleted: () => void): Promise<HTMLElement> {
  const { view, published, revision } = await api<{ view?: InstanceView; published: Record<string, unknown>; revision: string }>('GET', `/instances${path}`);
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, `Instance ${path}`),
    view && facts([['Realm', view.realm], ['Issuer', view.issuer ?? '—'], ['Outputs', view.outputs.join(', ')], ['Revision', revision]], 'Instance facts'),
    view && linkList(view.links),
    el('h3', {}, 'As published'),
    el('pre', { class: 'code', tabindex: '0', 'aria-label': 'Published settings' }, JSON.stringify(published, null, 2)),
    el('p', { class: 'actions' }, el('a', { href: `#/playground${path}` }, 'Try it in the playground'), el('a', { href: `#/edit${path}` }, 'Edit')),
    deleteControl(path, revision, onDeleted),
  );
}

/** Two steps, so a stray Enter deletes nothing; with the revision shown, so a changed instance is not deleted blind. */
function deleteControl(path: string, revision: string, onDeleted: () => void): HTMLElement {
  const start = el('button', { type: 'button', class: 'secondary' }, `Delete ${path}`);
  const confirm = el('button', { type: 'button', class: 'danger', hidden: '' }, `Yes, delete ${path}`);
  const message = el('p', { role: 'alert', class: 'warning' });
  start.addEventListener('click', () => {
    confirm.hidden = false;
    confirm.focus();
  });
  confirm.addEventListener('click', () => {
    api('DELETE', `/instances${path}`, undefined, { 'if-match': `"${revision}"` })
      .then(onDeleted)
      .catch((error: unknown) => {
        message.textContent =
          error instanceof ApiError && error.code === 'revision_mismatch'
            ? 'Someone changed this instance after you opened it; it was not deleted. Open it again to see the change.'
            : error instanceof ApiError
              ? `${error.status} ${error.code}: ${error.message}`
              : String(error);
      });
  });
  return el('div', { class: 'actions' }, start, confirm, message);
}

interface KeyView {
  realm: string;
  kid: string;
  use: string;
  type: string;
  state: string;
  next_rotation?: string;
  next_key_event?: string;
  jwk_thumbprint?: string;
  used_for: { instance: string; output: string; algorithm: string }[];
  certificate?: { subject: string; not_after: string; generated: boolean; expires_soon: boolean };
}

export async function keysView(): Promise<HTMLElement> {
  const keys = await api<KeyView[]>('GET', '/keys');
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, 'Keys'),
    table(
      `${keys.length} key(s)`,
      ['Realm', 'Key', 'Use', 'Type', 'Algorithm, signing for', 'State', 'Next rotation step', 'JWK thumbprint', 'Certificate expires'],
      keys.map((key) => [
        key.realm,
        key.kid,
        key.use,
        key.type,
        key.used_for.length === 0 ? '—' : el('ul', { class: 'plain' }, ...key.used_for.map((use) => el('li', {}, `${use.algorithm}: ${use.instance} (${use.output})`))),
        el('span', { class: `state state-${key.state}` }, key.state),
        key.next_rotation ?? key.next_key_event ?? '—',
        el('code', { class: 'wrap' }, key.jwk_thumbprint ?? '—'),
        key.certificate ? el('span', { class: key.certificate.expires_soon ? 'warning' : '' }, key.certificate.not_after, key.certificate.expires_soon && ' (expires soon)') : '—',
      ]),
    ),
  );
}

interface PluginView {
  name: string;
  version: string;
  loaded_version?: string;
  error?: string;
  isolation?: string;
  used_by: string[];
}

export async function pluginsView(): Promise<HTMLElement> {
  const plugins = await api<PluginView[]>('GET', '/plugins');
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, 'Plugins'),
    plugins.length === 0
      ? el('p', {}, 'No plugin folders.')
      : table(
          `${plugins.length} plugin(s)`,
          ['Plugin', 'Loaded version', 'Runs', 'Load failure', 'Used by'],
          plugins.map((plugin) => [plugin.name, plugin.loaded_version ?? 'not loaded', plugin.isolation ?? '—', plugin.error ? el('span', { class: 'warning' }, plugin.error) : '—', plugin.used_by.join(', ') || '—']),
        ),
  );
}

interface StatusView {
  status: string;
  hash: string;
  loaded_at: string;
  files: string[];
  reload_failures: number;
  refused_reload?: { at: string; problems: { file: string; path: string; message: string }[] };
  unavailable_plugins: { file: string; path: string; message: string }[];
}

export async function statusView(): Promise<HTMLElement> {
  const status = await api<StatusView>('GET', '/status');
  const problems = (title: string, list: { file: string; path: string; message: string }[]) =>
    list.length > 0 && el('section', {}, el('h3', {}, title), el('ul', {}, ...list.map((p) => el('li', { class: 'warning' }, `${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`))));
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, 'Configuration'),
    facts(
      [
        ['Status', status.status],
        ['Hash', status.hash],
        ['Loaded at', status.loaded_at],
        ['Files', status.files.join(', ')],
        ['Refused reloads since start', String(status.reload_failures)],
      ],
      'Configuration status',
    ),
    status.refused_reload && problems(`Reload refused at ${status.refused_reload.at}`, status.refused_reload.problems),
    problems('Plugins not loaded', status.unavailable_plugins),
  );
}

interface ActivityView {
  events: { at: string; action: string; outcome: string; instance?: string; input_type?: string; output_type?: string; principal?: string; error?: string; credential?: string; remote_address?: string }[];
  transforms: { input: string; output: string; outcome: string; total: number; per_minute?: number }[];
}

export async function activityView(): Promise<HTMLElement> {
  const activity = await api<ActivityView>('GET', '/activity');
  const refresh = el('a', { href: `#/activity?${Date.now()}` }, 'Refresh');
  return el(
    'section',
    { 'aria-labelledby': 'view-title' },
    el('h2', { id: 'view-title' }, 'Activity'),
    el('p', {}, refresh, ' (rates are per minute since the previous refresh)'),
    activity.transforms.length === 0
      ? el('p', {}, 'No transform yet.')
      : table(
          'Transforms since the server started',
          ['Input', 'Output', 'Outcome', 'Total', 'Per minute'],
          activity.transforms.map((row) => [row.input, row.output, el('span', { class: row.outcome === 'success' ? 'ok' : 'warning' }, row.outcome), String(row.total), row.per_minute === undefined ? '—' : String(row.per_minute)]),
        ),
    activity.events.length === 0
      ? el('p', {}, 'No audit event yet.')
      : table(
          `Latest ${activity.events.length} audit events, newest first`,
          ['Time', 'Action', 'Outcome', 'Instance', 'Types', 'Principal', 'Client address'],
          activity.events.map((event) => [
            event.at,
            event.action + (event.credential ? ` (${event.credential})` : ''),
            el('span', { class: event.outcome === 'success' ? 'ok' : 'warning' }, event.outcome + (event.error ? `: ${event.error}` : '')),
            event.instance ?? '—',
            event.input_type ? `${event.input_type} → ${event.output_type ?? ''}` : '—',
            event.principal ?? '—',
            event.remote_address ?? '—',
          ]),
        ),
  );
}
