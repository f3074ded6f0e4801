// Organisation overview: the team tree, each team with its current thematic
// goal (days left to its horizon, health), its defining objectives and its
// standard operating objectives.
import { h } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { glance } from '../glance.js';
import { cyclesCard } from '../cycles.js';
import { asOfField, dayOf, endOfDay } from '../asof.js';
import { healthBadge, healthTone, isoDate, protoDate, dayNumber, today, teamKindName, statusName } from '../format.js';

export const name = 'overview';
export const title = 'Overview';

const TEAM_KINDS = ['KIND_LEADERSHIP', 'KIND_OPERATIONAL', 'KIND_PROJECT', 'KIND_NETWORK'];

function objectiveItem(org, e) {
  return h('li', { class: `objective tone-${healthTone(e.health)}` },
    h('a', { href: `#/o/${org}/map?el=${e.name.split('/').pop()}` }, e.title), ' ', healthBadge(e.health),
    h('span', { class: 'muted' }, ` ${statusName(e.status)}, ${e.progress || 0}%`));
}

function teamCard(org, team, objectives, day) {
  const now = dayNumber(day);
  const mine = objectives.filter((e) => e.owner_team === team.name);
  const goals = mine.filter((e) => e.objective_kind === 'OBJECTIVE_KIND_THEMATIC_GOAL');
  // The current goal: the one whose horizon contains today, else the next.
  const current = goals.find((g) => dayNumber(g.start_date) <= now && now <= dayNumber(g.end_date))
    || goals.filter((g) => dayNumber(g.start_date) > now).sort((a, b) => dayNumber(a.start_date) - dayNumber(b.start_date))[0];
  const defining = current ? objectives.filter((e) => e.thematic_goal === current.name) : [];
  const standing = mine.filter((e) => e.objective_kind === 'OBJECTIVE_KIND_STANDARD_OPERATING');

  let goal;
  if (current) {
    const left = dayNumber(current.end_date) - now;
    const starts = dayNumber(current.start_date) - now;
    goal = h('div', { class: `goal tone-${healthTone(current.health)}` },
      h('p', { class: 'label' }, 'Thematic goal'),
      h('p', { class: 'goal-title' }, h('a', { href: `#/o/${org}/map?el=${current.name.split('/').pop()}` }, current.title)),
      h('p', {}, healthBadge(current.health), ' ',
        h('span', { class: 'days' }, starts > 0 ? `starts in ${starts} days` : `${left} ${left === 1 ? 'day' : 'days'} left`),
        h('span', { class: 'muted' }, ` (until ${isoDate(current.end_date)})`)));
  } else {
    goal = h('p', { class: 'muted' }, 'No current thematic goal.');
  }
  return h('article', { class: 'team card', 'aria-labelledby': `team-${team.name.split('/').pop()}` },
    h('h3', { id: `team-${team.name.split('/').pop()}` }, h('a', { href: `#/o/${org}/teams/${team.name.split('/').pop()}` }, team.display_name),
      ' ', h('span', { class: 'muted small' }, teamKindName(team.kind))),
    team.purpose ? h('p', { class: 'muted' }, team.purpose) : null,
    goal,
    defining.length ? h('div', {}, h('h4', {}, 'Defining objectives'), h('ul', { class: 'objectives' }, defining.map((e) => objectiveItem(org, e)))) : null,
    standing.length ? h('div', {}, h('h4', {}, 'Standard operating objectives'), h('ul', { class: 'objectives' }, standing.map((e) => objectiveItem(org, e)))) : null);
}

// orgLink links to an organisation by its name where the caller may read
// it, and shows its id where not.
function orgLink(o) {
  const id = o.name.split('/')[1];
  return o.display_name ? h('a', { href: `#/o/${id}` }, o.display_name) : id;
}

// ownership says who owns the organisation and what it owns, and why the
// caller may read it when that is only through an owner.
async function ownership(org, o, session) {
  const self = `organisations/${org}`;
  const [owners, visible] = await Promise.all([
    Promise.all((o.owners || []).map((name) => api.get(`/v1/${name}`).catch(() => ({ name })))),
    api.all('/v1/organisations', 'organisations'),
  ]);
  const owned = visible.filter((x) => (x.owners || []).includes(self));
  const label = (x) => x.display_name || x.name;
  const list = (items) => [...items].sort((a, b) => label(a).localeCompare(label(b)))
    .flatMap((x, i) => (i ? [', ', orgLink(x)] : [orgLink(x)]));
  const grant = session.grant(org);
  const through = grant && grant.through_owner ? grant : null;
  const viaOwner = through && owners.find((x) => x.name === through.through_owner);
  return [
    owners.length ? h('p', {}, h('span', { class: 'label' }, 'Owned by '), list(owners)) : null,
    owned.length ? h('p', {}, h('span', { class: 'label' }, 'Owns '), list(owned)) : null,
    through ? h('p', { class: 'muted' }, 'You read this organisation as a member of its owner, ',
      viaOwner ? orgLink(viaOwner) : through.through_owner.split('/')[1], '; people\'s contact details are not shown.') : null,
  ].filter(Boolean);
}

// linkRequests lists the requests other organisations made to link their
// elements to this organisation's plan, newest first; a planner accepts or
// declines each pending one.
async function linkRequests(org, session, elements, reload) {
  const requests = await api.all(`/v1/organisations/${org}/linkRequests`, 'link_requests');
  if (!requests.length) return [h('p', { class: 'muted' }, 'No other organisation has asked to link to this plan.')];
  const titleOf = (name) => (elements.find((e) => e.name === name) || {}).title || name.split('/').pop();
  const stateWord = { STATE_PENDING: 'Pending', STATE_ACCEPTED: 'Accepted', STATE_DECLINED: 'Declined' };
  return [h('ul', { class: 'link-requests' }, requests.map((r) => h('li', { class: 'card' },
    h('p', {}, h('strong', {}, r.element_title), ` (${r.element.split('/')[1]}) would support `, h('strong', {}, titleOf(r.target)),
      ' — ', h('span', { 'data-state': r.state }, stateWord[r.state] || r.state)),
    r.message ? h('p', { class: 'muted' }, r.message) : null,
    r.state === 'STATE_PENDING' && session.role(org) >= 3 ? h('div', { class: 'actions' },
      form({ title: '', submit: `Accept: ${r.element_title}`, fields: [], async onSubmit() {
        await api.post(`/v1/${r.name}:accept`, {}); await reload(); return 'Accepted.';
      } }),
      form({ title: '', submit: `Decline: ${r.element_title}`, fields: [], async onSubmit() {
        await api.post(`/v1/${r.name}:decline`, {}); await reload(); return 'Declined.';
      } })) : null)))];
}

// flatten lists the elements of a tree's nodes, all the way down.
const flatten = (nodes) => (nodes || []).flatMap((n) => [n.element, ...flatten(n.children)]);

export async function render(el, { params, query, session, navigate }) {
  const [org] = params;
  // The organisation as it stood at the end of a past day, from its
  // history; empty: today.
  let asOf = dayOf(query.get('as_of'));
  const { input: asOfInput, field: asOfPicker } = asOfField('overview-as-of', asOf, 'the organisation');
  const pastNote = h('p', { class: 'past-note', role: 'status' });
  const when = h('form', { class: 'filters', 'aria-label': 'Choose the day' },
    asOfPicker);
  when.addEventListener('submit', (ev) => ev.preventDefault());
  const title = h('h1', {}, 'Overview');
  const owners = h('div', { id: 'ownership' });
  const tree = h('div', { id: 'team-tree' });
  const links = h('div', { id: 'link-requests' });
  const summary = h('div', { id: 'glance' });
  let teams = [];
  let organisation = {};
  let teamForm = null;

  const load = async () => {
    const [o, ts, elements] = await Promise.all([
      api.get(`/v1/organisations/${org}`),
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
      asOf ? api.get(`/v1/organisations/${org}/elements:tree?as_of=${endOfDay(asOf)}`).then((t) => flatten(t.roots))
        : api.all(`/v1/organisations/${org}/elements`, 'elements'),
    ]);
    const day = asOf ? protoDate(asOf) : today();
    const objectives = elements.filter((e) => e.level === 'LEVEL_OBJECTIVE');
    const [ownedBy, atAGlance, requests] = await Promise.all([
      ownership(org, o, session), glance(org, elements, day), linkRequests(org, session, elements, load)]);
    organisation = o;
    teams = ts;
    pastNote.textContent = asOf ? `The organisation as it stood at the end of ${asOf}.` : '';
    title.textContent = o.display_name;
    owners.replaceChildren(...ownedBy);
    summary.replaceChildren(...atAGlance);
    links.replaceChildren(...requests);
    const children = (parent) => teams.filter((t) => (t.parent_team || '') === parent)
      .sort((a, b) => a.display_name.localeCompare(b.display_name));
    const branch = (parent) => {
      const kids = children(parent);
      if (!kids.length) return null;
      return h('ul', { class: parent ? 'team-branch' : 'team-tree' },
        kids.map((t) => h('li', {}, teamCard(org, t, objectives, day), branch(t.name))));
    };
    tree.replaceChildren(branch('') || h('p', {}, 'No teams yet.'));
    if (teamForm) {
      const parent = teamForm.controls.parent_team;
      const chosen = parent.value;
      parent.replaceChildren(h('option', { value: '' }, '(top level)'),
        ...teams.map((t) => h('option', { value: t.name, selected: t.name === chosen }, t.display_name)));
    }
  };

  const cycles = cyclesCard({ org, role: session.role(org), onChange: () => load() });
  const admin = session.role(org) >= 4;
  if (admin) {
    teamForm = form({
      title: 'New team',
      level: 2,
      submit: 'Create team',
      resetOnSuccess: true,
      fields: [
        { name: 'team_id', label: 'Id', hint: 'Optional, e.g. regional.' },
        { name: 'display_name', label: 'Name', required: true },
        { name: 'kind', label: 'Kind', type: 'select', required: true, options: TEAM_KINDS.map((k) => [k, teamKindName(k)]) },
        { name: 'parent_team', label: 'Reports to', type: 'select', options: [['', '(top level)']] },
        { name: 'purpose', label: 'Purpose', type: 'textarea' },
      ],
      async onSubmit(v) {
        const q = v.team_id ? `?team_id=${encodeURIComponent(v.team_id)}` : '';
        const t = await api.post(`/v1/organisations/${org}/teams${q}`,
          { display_name: v.display_name, kind: v.kind, parent_team: v.parent_team, purpose: v.purpose });
        await load();
        return `Created ${t.display_name}.`;
      },
    });
  }
  // Everything is loaded before anything is shown: parts filled in as
  // their answers came would push down what was already on screen.
  await Promise.all([load(), cycles.load()]);
  el.append(title, when, pastNote, owners,
    h('section', { 'aria-labelledby': 'glance-title', class: 'card' }, h('h2', { id: 'glance-title' }, 'At a glance'), summary),
    h('section', { 'aria-labelledby': 'teams-title' }, h('h2', { id: 'teams-title' }, 'Teams'), tree),
    h('section', { 'aria-labelledby': 'links-title' }, h('h2', { id: 'links-title' }, 'Link requests'), links),
    cycles.el);
  if (admin) {
    // Who may join the discussion of the plan.
    el.append(h('section', { class: 'card' }, form({
      title: 'Discussion',
      level: 2,
      submit: 'Save',
      fields: [{ name: 'viewers_may_comment', label: 'Who may comment on the plan', type: 'select', value: String(Boolean(organisation.viewers_may_comment)),
        options: [['false', 'Contributors, planners and admins'], ['true', 'Everyone with a role, viewers too']] }],
      async onSubmit(v) {
        await api.patch(`/v1/organisations/${org}?update_mask=viewers_may_comment`, { viewers_may_comment: v.viewers_may_comment === 'true' });
        return 'Saved.';
      },
    })), h('section', { class: 'card' }, teamForm));
  }
  when.addEventListener('change', async () => {
    asOf = dayOf(asOfInput.value);
    navigate(`#/o/${org}${asOf ? `?as_of=${asOf}` : ''}`, { replaceEntry: true });
    await load();
  });
  return { refresh: async () => { await Promise.all([load(), cycles.load()]); } };
}
