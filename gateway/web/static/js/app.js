// The web client's entry point: who is signed in, which page the address
// names (#/o/{org}/map, ...), and the live event stream of the organisation
// on screen, which refreshes the page when someone changes something.
import { h, replace } from './dom.js';
import * as api from './api.js';
import { finishSignIn } from './oidc.js';
import * as signin from './pages/signin.js';
import * as home from './pages/home.js';
import * as overview from './pages/overview.js';
import * as map from './pages/map.js';
import * as kpis from './pages/kpis.js';
import * as kpi from './pages/kpi.js';
import * as report from './pages/report.js';
import * as team from './pages/team.js';
import * as digest from './pages/digest.js';
import * as people from './pages/people.js';
import * as tokens from './pages/tokens.js';
import * as webhooks from './pages/webhooks.js';
import * as publish from './pages/publish.js';
import * as changes from './pages/changes.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const liveRegion = document.getElementById('live');

// session is what every page may read: the settings, the caller and the
// role helpers.
const session = {
  config: {},
  caller: null,
  // grant is the caller's grant in org, or undefined.
  grant(org) {
    return ((this.caller && this.caller.grants) || []).find((x) => x.organisation === `organisations/${org}`);
  },
  // role is the caller's role in org: 0 none, 1 viewer ... 4 admin.
  role(org) {
    if (!this.caller) return 0;
    if (this.caller.platform_admin) return 4;
    const g = this.grant(org);
    return g ? ({ ROLE_VIEWER: 1, ROLE_CONTRIBUTOR: 2, ROLE_PLANNER: 3, ROLE_ADMIN: 4 }[g.role] || 0) : 0;
  },
  // person is the caller's person in org (a name), or '' (an API token).
  person(org) {
    return (this.grant(org) || {}).person || '';
  },
};

const routes = [
  [/^\/signin$/, signin],
  [/^\/$/, home],
  [/^\/o\/([a-z0-9-]+)$/, overview],
  [/^\/o\/([a-z0-9-]+)\/map$/, map],
  [/^\/o\/([a-z0-9-]+)\/kpis$/, kpis],
  [/^\/o\/([a-z0-9-]+)\/kpis\/([a-z0-9-]+)$/, kpi],
  [/^\/o\/([a-z0-9-]+)\/report$/, report],
  [/^\/o\/([a-z0-9-]+)\/digest$/, digest],
  [/^\/o\/([a-z0-9-]+)\/teams\/([a-z0-9-]+)$/, team],
  [/^\/o\/([a-z0-9-]+)\/people$/, people],
  [/^\/o\/([a-z0-9-]+)\/tokens$/, tokens],
  [/^\/o\/([a-z0-9-]+)\/webhooks$/, webhooks],
  [/^\/o\/([a-z0-9-]+)\/publish$/, publish],
  [/^\/o\/([a-z0-9-]+)\/changes$/, changes],
];

let current = null; // the page on screen: {refresh, dispose}
let retitle = null; // names the page on screen in the window's title again
let live = { org: null, stop: null };
let renderSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { path, query: new URLSearchParams(query || '') };
}

// orgNames are the organisations' names by id, each asked for once, for
// the window's title.
const orgNames = new Map();
function orgName(org) {
  if (!orgNames.has(org)) {
    orgNames.set(org, api.get(`/v1/organisations/${org}`).then((o) => o.display_name || org, () => org));
  }
  return orgNames.get(org);
}

// titleFor is the window's title for page, shown in container: what the
// page shows (page.title, words or a function of the container), its
// organisation's name and the product's, so that tabs, the history and
// bookmarks say where they lead.
async function titleFor(page, container, org) {
  const what = typeof page.title === 'function' ? page.title(container) : page.title;
  return [what, org ? await orgName(org) : '', 'Golden Thread'].filter(Boolean).join(' · ');
}

function renderNav(org) {
  const here = parseHash().path;
  const link = (href, label) => h('a', { href: `#${href}`, 'aria-current': here === href ? 'page' : undefined }, label);
  if (!session.caller) {
    replace(nav);
    replace(who);
    return;
  }
  const items = [link('/', 'Organisations')];
  if (org) {
    items.push(link(`/o/${org}`, 'Overview'), link(`/o/${org}/map`, 'Strategy map'),
      link(`/o/${org}/kpis`, 'KPIs'), link(`/o/${org}/digest`, 'What happened'), link(`/o/${org}/report`, 'Integrity report'),
      link(`/o/${org}/people`, 'People'));
    if (session.role(org) >= 3) items.push(link(`/o/${org}/changes`, 'Change log'));
    if (session.role(org) >= 4) items.push(link(`/o/${org}/tokens`, 'API tokens'), link(`/o/${org}/webhooks`, 'Webhooks'), link(`/o/${org}/publish`, 'Publish'));
  }
  replace(nav, h('ul', {}, items.map((i) => h('li', {}, i))));
  const me = session.caller.display_name || session.caller.subject;
  replace(who, h('span', { class: 'subject', title: session.caller.subject }, session.caller.platform_admin ? `${me} (platform admin)` : me),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'));
}

function signOut() {
  api.setToken('');
  session.caller = null;
  location.hash = '#/signin';
}

// follow keeps one event stream open for the organisation on screen.
function follow(org) {
  if (live.org === org) return;
  if (live.stop) live.stop();
  live = { org, stop: null };
  liveRegion.textContent = '';
  if (!org) return;
  let timer = null;
  live.stop = api.stream(org, ({ event }) => {
    if (event !== 'change' && event !== 'resync') return;
    // Changes come in bursts (a measurement, the KPI status, the element
    // health up the thread): refresh once they settle.
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (current && current.refresh) {
        await current.refresh();
        if (retitle) await retitle();
        liveRegion.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      }
    }, 250);
  }, (state) => {
    document.body.dataset.live = state;
    if (state === 'reconnecting') liveRegion.textContent = 'Live updates interrupted; reconnecting…';
    if (state === 'busy') {
      liveRegion.textContent = 'Live updates paused: you have as many pages following changes open as allowed. ' +
        'Close one and this page resumes within a minute.';
    }
    if (state === 'live') liveRegion.textContent = '';
  });
}

async function render() {
  const seq = ++renderSeq;
  const { path, query } = parseHash();
  if (!api.token() && path !== '/signin') {
    location.hash = '#/signin';
    return;
  }
  if (api.token() && !session.caller && path !== '/signin') {
    try {
      session.caller = await api.caller();
    } catch {
      return; // a 401 sends the caller to sign in
    }
  }
  let page = null;
  let params = [];
  for (const [re, p] of routes) {
    const m = re.exec(path);
    if (m) {
      page = p;
      params = m.slice(1);
      break;
    }
  }
  if (current && current.dispose) current.dispose();
  current = null;
  retitle = null;
  const org = page && page !== home && page !== signin ? params[0] : null;
  follow(org);
  renderNav(org);
  // The page the server sent says it is loading until the first page
  // shows; it stands outside main, so that what main shows never moves
  // when the navigation above it fills in.
  document.getElementById('loading')?.remove();
  if (!page) {
    document.title = 'Not found · Golden Thread';
    replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the organisations')));
    return;
  }
  if (org) orgName(org); // asked for while the page loads
  const container = h('div', { class: 'page' });
  replace(main, container);
  try {
    const result = await page.render(container, { params, query, session, navigate });
    const title = await titleFor(page, container, org);
    if (seq !== renderSeq) {
      if (result && result.dispose) result.dispose();
      return;
    }
    current = result || null;
    document.title = title;
    retitle = async () => {
      const again = await titleFor(page, container, org);
      if (seq === renderSeq) document.title = again;
    };
    document.body.dataset.page = page.name || '';
    const heading = main.querySelector('h1');
    // A page opened on one of its items (an element, a person) focuses it.
    if (heading && !query.has('el') && !query.has('person')) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  } catch (err) {
    if (seq !== renderSeq) return;
    document.title = `${err.status === 404 ? 'Not found' : 'Something went wrong'} · Golden Thread`;
    replace(container, h('h1', { tabindex: '-1' }, err.status === 404 ? 'Not found' : 'Something went wrong'),
      h('p', { class: 'error', role: 'alert' }, err.message));
  }
}

// navigate changes the address without a new entry, for filters and
// selections that the page already shows.
function navigate(hash, { replaceEntry = false } = {}) {
  if (replaceEntry) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  renderNav(parseHash().path.split('/')[2] || null);
}

window.addEventListener('hashchange', render);
// A page left for another (or kept in the back-forward cache) lets go of
// its stream: browsers allow only a few connections per server, and every
// open stream holds one.
window.addEventListener('pagehide', () => follow(null));
window.addEventListener('pageshow', (ev) => { if (ev.persisted) render(); });
window.addEventListener('gt-unauthenticated', () => {
  api.setToken('');
  session.caller = null;
  if (parseHash().path !== '/signin') location.hash = '#/signin';
});

async function boot() {
  try {
    session.config = await (await fetch('/config.json')).json();
  } catch {
    session.config = {};
  }
  signin.configure(session);
  try {
    if (await finishSignIn(session.config)) location.hash = '#/';
  } catch (err) {
    signin.setPendingError(err.message);
    location.hash = '#/signin';
  }
  await render();
}

boot();
