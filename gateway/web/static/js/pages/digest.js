// The digest: what happened in the plan over a period — check-ins, health
// changes, values recorded, elements created and closed — for the whole
// organisation or a team and those under it: the material of a newsletter.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { directory } from '../people.js';
import { healthBadge, levelName, statusName, isoDate, formatNumber, idOf, when } from '../format.js';

export const name = 'digest';
export const title = 'What happened';

const PERIODS = [['7', 'The last 7 days'], ['30', 'The last 30 days'], ['month', 'This month']];

// sinceOf is the start of a period chosen in PERIODS.
function sinceOf(period) {
  const now = new Date();
  if (period === 'month') return new Date(now.getFullYear(), now.getMonth(), 1);
  return new Date(now.getTime() - Number(period) * 86400000);
}

export async function render(el, { params, query, session, navigate }) {
  const [org] = params;
  const choice = { period: PERIODS.some(([p]) => p === query.get('period')) ? query.get('period') : '7', team: query.get('team') || '' };
  const teams = await api.all(`/v1/organisations/${org}/teams`, 'teams');
  const periodSelect = h('select', { id: 'digest-period' }, PERIODS.map(([v, l]) => h('option', { value: v, selected: v === choice.period }, l)));
  const teamSelect = h('select', { id: 'digest-team' }, h('option', { value: '' }, 'The whole organisation'),
    teams.map((t) => h('option', { value: idOf(t.name), selected: idOf(t.name) === choice.team }, t.display_name)));
  const filters = h('form', { class: 'filters', 'aria-label': 'Choose the period and the team' },
    h('div', { class: 'field' }, h('label', { for: 'digest-period' }, 'Period'), periodSelect),
    h('div', { class: 'field' }, h('label', { for: 'digest-team' }, 'Team'), teamSelect));
  filters.addEventListener('submit', (ev) => ev.preventDefault());
  const body = h('div', { id: 'digest' });
  el.append(h('h1', {}, 'What happened'), filters, body);

  const link = (name, title) => h('a', { href: `#/o/${org}/map?el=${idOf(name)}` }, title);
  const section = (id, title, items, empty) => h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title),
    items.length ? h('ul', {}, items) : h('p', { class: 'muted' }, empty));

  const load = async () => {
    const q = new URLSearchParams({ since: sinceOf(choice.period).toISOString() });
    if (choice.team) q.set('team', `organisations/${org}/teams/${choice.team}`);
    const d = await api.get(`/v1/organisations/${org}:digest?${q}`);
    const checkIns = d.check_ins || [];
    const who = await directory(org, session).names(checkIns.map((c) => c.check_in.author || c.check_in.update_actor));
    replace(body,
      section('digest-check-ins', 'Check-ins', checkIns.map(({ check_in: c, element_title: title }) => h('li', {},
        link(c.name.split('/checkIns/')[0], title), ' ', healthBadge(c.assessment), ' ', who(c.author || c.update_actor),
        h('span', { class: 'muted' }, `, ${when(c.create_time)}`), h('p', {}, c.summary),
        c.blockers ? h('p', {}, h('span', { class: 'label' }, 'Help needed: '), c.blockers) : null)), 'No check-in in this period.'),
      section('digest-health', 'Health changes', (d.health_changes || []).map((c) => h('li', {},
        link(c.element, c.title), ' ', healthBadge(c.old_health), ' to ', healthBadge(c.new_health), h('span', { class: 'muted' }, ` ${when(c.time)}`))),
      'No health changed in this period.'),
      section('digest-values', 'Values recorded', (d.values || []).map((v) => h('li', {},
        h('a', { href: `#/o/${org}/kpis/${idOf(v.kpi)}` }, v.title), ` ${formatNumber(v.value)} for ${isoDate(v.period_end)}`,
        h('span', { class: 'muted' }, `, recorded ${when(v.time)}`))), 'No value recorded in this period.'),
      section('digest-created', 'New in the plan', (d.created || []).map((e) => h('li', {},
        link(e.name, e.title), h('span', { class: 'muted' }, ` ${levelName(e.level)}`))), 'Nothing new in this period.'),
      section('digest-closed', 'Closed', (d.closed || []).map((e) => h('li', {},
        link(e.name, e.title), h('span', { class: 'muted' }, ` ${levelName(e.level)}, ${statusName(e.status).toLowerCase()}`))), 'Nothing closed in this period.'));
  };
  filters.addEventListener('change', async () => {
    choice.period = periodSelect.value;
    choice.team = teamSelect.value;
    const q = new URLSearchParams({ period: choice.period });
    if (choice.team) q.set('team', choice.team);
    navigate(`#/o/${org}/digest?${q}`, { replaceEntry: true });
    await load();
  });
  await load();
  return { refresh: load };
}
