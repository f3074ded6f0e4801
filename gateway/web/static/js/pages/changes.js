// The change log: every change in the organisation, newest first — who
// changed what, when, from what to what — filtered by person, kind of
// thing and dates, and downloadable as CSV for an auditor. For planners
// and admins.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { directory } from '../people.js';
import { when, idOf, protoDate } from '../format.js';
import { actionText, changeList } from '../history.js';

export const name = 'changes';
export const title = 'Change log';

// TYPES are the kinds of resource the log holds, as readers call them.
const TYPES = [
  ['organisations', 'The organisation'], ['people', 'People'], ['teams', 'Teams'], ['members', 'Team members'],
  ['elements', 'Plan elements'], ['checkIns', 'Check-ins'], ['comments', 'Comments'], ['linkRequests', 'Link requests'],
  ['kpis', 'KPIs'], ['measurements', 'KPI values'],
];

// startOfDay is the RFC 3339 time a YYYY-MM-DD day starts at, in UTC.
const startOfDay = (iso) => (protoDate(iso) ? `${iso}T00:00:00Z` : '');

export async function render(el, { params, query, session, navigate }) {
  const [org] = params;
  const people = await api.all(`/v1/organisations/${org}/people?show_deleted=true`, 'people');
  const choice = { actor: query.get('actor') || '', type: query.get('type') || '', from: query.get('from') || '', until: query.get('until') || '' };
  const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const actorSelect = h('select', { id: 'changes-actor' }, h('option', { value: '' }, 'Anyone'),
    people.filter((p) => p.external_subject).map((p) => h('option', { value: `user:${p.external_subject}`, selected: choice.actor === `user:${p.external_subject}` },
      p.delete_time ? `${p.display_name} (removed)` : p.display_name)));
  const typeSelect = h('select', { id: 'changes-type' }, h('option', { value: '' }, 'Everything'),
    TYPES.map(([v, l]) => h('option', { value: v, selected: v === choice.type }, l)));
  const fromInput = h('input', { id: 'changes-from', type: 'date', value: choice.from });
  const untilInput = h('input', { id: 'changes-until', type: 'date', value: choice.until });
  const filters = h('form', { class: 'filters', 'aria-label': 'Choose whose changes, to what, and when' },
    field('changes-actor', 'Changed by', actorSelect), field('changes-type', 'What', typeSelect),
    field('changes-from', 'From', fromInput), field('changes-until', 'Until (the day before)', untilInput));
  filters.addEventListener('submit', (ev) => ev.preventDefault());
  const status = h('p', { class: 'muted', role: 'status' });
  const rows = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Show older changes');
  const download = h('button', { type: 'button' }, 'Download as CSV');
  el.append(h('h1', {}, 'Change log'), filters, h('p', {}, download), status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'changes' },
      h('caption', { class: 'visually-hidden' }, 'Changes, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Change'].map((c) => h('th', { scope: 'col' }, c)))), rows)),
    more);

  const selection = () => {
    const q = new URLSearchParams();
    if (choice.actor) q.set('actor', choice.actor);
    if (choice.type) q.set('resource_type', choice.type);
    if (startOfDay(choice.from)) q.set('start_time', startOfDay(choice.from));
    if (startOfDay(choice.until)) q.set('end_time', startOfDay(choice.until));
    return q;
  };
  // link leads to where the changed thing lives, with its title now.
  const link = (rev) => {
    const snap = rev.resource_snapshot || {};
    const label = snap.title || snap.display_name || (snap.text ? `“${snap.text.slice(0, 60)}”` : idOf(rev.resource));
    const type = (TYPES.find(([v]) => v === rev.resource_type) || [, rev.resource_type])[1];
    const parts = rev.resource.split('/');
    const href = parts[2] === 'elements' ? `#/o/${org}/map?el=${parts[3]}`
      : parts[2] === 'kpis' ? `#/o/${org}/kpis/${parts[3]}`
        : parts[2] === 'teams' ? `#/o/${org}/teams/${parts[3]}` : '';
    return [h('span', { class: 'muted' }, `${type}: `), href ? h('a', { href }, label) : label];
  };
  let token = '';
  const load = async (append) => {
    const q = selection();
    q.set('page_size', '50');
    if (append && token) q.set('page_token', token);
    const page = await api.get(`/v1/organisations/${org}/changes?${q}`);
    const revisions = page.revisions || [];
    token = page.next_page_token || '';
    const nameOf = await directory(org, session).names(revisions.map((r) => r.actor));
    const lines = revisions.map((r) => h('tr', {},
      h('td', {}, when(r.create_time)), h('td', {}, nameOf(r.actor)), h('td', {}, link(r)),
      h('td', {}, r.action === 'ACTION_UPDATED' || r.action === 'ACTION_COMPUTED' ? changeList(r) : actionText(r.action))));
    if (append) rows.append(...lines);
    else replace(rows, lines);
    if (!append && !revisions.length) replace(rows, h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No change matches.')));
    more.hidden = !token;
    status.textContent = '';
  };
  more.addEventListener('click', () => load(true).catch((err) => { status.textContent = err.message; }));
  download.addEventListener('click', () => api.download(`/v1/organisations/${org}/changes:export?${selection()}`, `changes-${org}.csv`)
    .catch((err) => { status.textContent = err.message; }));
  filters.addEventListener('change', async () => {
    Object.assign(choice, { actor: actorSelect.value, type: typeSelect.value, from: fromInput.value, until: untilInput.value });
    const q = new URLSearchParams(Object.entries(choice).filter(([, v]) => v));
    navigate(`#/o/${org}/changes${q.toString() ? `?${q}` : ''}`, { replaceEntry: true });
    await load(false).catch((err) => { status.textContent = err.message; });
  });
  await load(false);
  return { refresh: () => load(false) };
}
