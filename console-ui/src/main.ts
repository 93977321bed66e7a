/**
 * The console's shell: sign-in, the navigation, and a view per location hash (#/instances,
 * #/instances/<path>, #/new, #/edit/<path>, #/keys, #/plugins, #/configuration, #/playground,
 * #/activity). Focus moves to each new view's heading so keyboard and screen-reader users land
 * on what changed.
 */
import { api, ApiError, setCsrfToken } from './api.js';
import { el, replaceContent } from './dom.js';
import { instanceFormView } from './instance-form.js';
import { playgroundView } from './playground.js';
import { activityView, instancesView, instanceView, keysView, pluginsView, statusView } from './views.js';

const app = document.getElementById('app')!;
const NAV: [string, string][] = [
  ['#/instances', 'Instances'],
  ['#/keys', 'Keys'],
  ['#/plugins', 'Plugins'],
  ['#/configuration', 'Configuration'],
  ['#/playground', 'Playground'],
  ['#/activity', 'Activity'],
];

function viewFor(hash: string): Promise<HTMLElement> {
  const opened = (path: string) => (location.hash = `#/instances${path}`);
  if (hash === '#/new') return instanceFormView(undefined, opened);
  if (hash.startsWith('#/edit/')) return instanceFormView(hash.slice('#/edit'.length), opened);
  if (hash.startsWith('#/instances/')) return instanceView(hash.slice('#/instances'.length), () => (location.hash = '#/instances'));
  if (hash === '#/keys') return keysView();
  if (hash === '#/plugins') return pluginsView();
  if (hash === '#/configuration') return statusView();
  if (hash.startsWith('#/activity')) return activityView();
  if (hash.startsWith('#/playground')) return playgroundView(hash.slice('#/playground'.length) || undefined);
  return instancesView();
}

function signInView(message?: string): void {
  const token = el('input', { id: 'admin-token', name: 'admin-token', type: 'password', autocomplete: 'off', required: '' });
  const error = el('p', { id: 'sign-in-error', role: 'alert', class: 'warning' }, message ?? '');
  const form = el(
    'form',
    { 'aria-labelledby': 'sign-in-title', class: 'sign-in' },
    el('h1', { id: 'sign-in-title' }, 'STS console'),
    el('div', { class: 'field' }, el('label', { for: 'admin-token' }, 'Admin token'), token),
    el('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const adminToken = token.value;
    token.value = '';
    api<{ csrf_token: string }>('POST', '/session', { admin_token: adminToken })
      .then(({ csrf_token }) => {
        setCsrfToken(csrf_token);
        shell();
      })
      .catch((caught: unknown) => {
        error.textContent = caught instanceof ApiError ? caught.message : String(caught);
        token.focus();
      });
  });
  replaceContent(app, el('main', {}, form));
  token.focus();
}

function shell(): void {
  const signOut = el('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    api('DELETE', '/session')
      .catch(() => undefined)
      .finally(() => {
        setCsrfToken(undefined);
        signInView('Signed out.');
      });
  });
  const main = el('main', { id: 'view', tabindex: '-1' });
  replaceContent(
    app,
    el('header', {}, el('p', { class: 'brand' }, 'STS console'), el('nav', { 'aria-label': 'Console' }, el('ul', {}, ...NAV.map(([href, label]) => el('li', {}, el('a', { href }, label))))), signOut),
    main,
  );
  void show(main);
}

async function show(main: HTMLElement): Promise<void> {
  const hash = location.hash || '#/instances';
  for (const link of document.querySelectorAll('nav a')) {
    if (hash.startsWith(link.getAttribute('href')!)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    replaceContent(main, await viewFor(hash));
  } catch (caught) {
    if (caught instanceof ApiError && caught.status === 401) return signInView('Your session has ended; sign in again.');
    replaceContent(main, el('p', { role: 'alert', class: 'warning' }, caught instanceof ApiError ? `${caught.status} ${caught.code}: ${caught.message}` : String(caught)));
  }
  (main.querySelector('h2') as HTMLElement | null)?.setAttribute('tabindex', '-1');
  (main.querySelector('h2') as HTMLElement | null)?.focus();
}

window.addEventListener('hashchange', () => {
  const main = document.getElementById('view');
  if (main) void show(main);
});

// A page reload keeps the cookie: ask for the session's CSRF token again.
api<{ csrf_token: string }>('GET', '/session')
  .then(({ csrf_token }) => {
    setCsrfToken(csrf_token);
    shell();
  })
  .catch(() => signInView());
