// A team's page: what the team is, where it sits among the teams, its
// part of the plan at a glance — what it and the teams under it own — and
// its members; admins add members, change and end memberships.
import { h, keyed, replace } from '../dom.js';
import * as api from '../api.js';
import { form, rowAction, confirmStep } from '../forms.js';
import { glance } from '../glance.js';
import { directory } from '../people.js';
import { teamKindName, idOf, roleName, MEMBER_ROLES, isoDate, protoDate, today } from '../format.js';

export const name = 'team';
// The window's title names the team, which the heading shows once loaded.
export const title = (el) => `${el.querySelector('h1').textContent} · Team`;

const ROLE_OPTIONS = MEMBER_ROLES.map((r) => [r, roleName(r)]);

// The dates of a membership as the API takes them: an empty end date is
// an open-ended membership.
const term = (v) => ({ role: v.role, start_date: protoDate(v.start_date), end_date: protoDate(v.end_date) });
const dateFields = (m) => [
  { name: 'start_date', label: 'From', type: 'date', required: true, value: m ? isoDate(m.start_date) : isoDate(today()) },
  { name: 'end_date', label: 'Until', type: 'date', value: m ? isoDate(m.end_date) : '', hint: 'Optional: the last day, for a fixed term.' },
];

export async function render(el, { params, session }) {
  const [org, teamId] = params;
  const admin = session.role(org) >= 4;
  const title = h('h1', {}, 'Team');
  const about = h('div', { id: 'team-about' });
  const summary = h('div', { id: 'glance' });
  const membersTitle = h('h2', { id: 'members-title', tabindex: '-1' }, 'Members');
  const status = h('p', { class: 'done', role: 'status' });
  const memberRows = h('tbody');
  el.append(title, about,
    h('section', { 'aria-labelledby': 'glance-title', class: 'card' }, h('h2', { id: 'glance-title' }, 'At a glance'), summary),
    h('section', { 'aria-labelledby': 'members-title', id: 'members' }, membersTitle, status,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden' }, 'The team\'s members, their roles and terms'),
        h('thead', {}, h('tr', {}, ['Person', 'Role', 'From', 'Until', admin ? 'Change' : null].filter(Boolean)
          .map((c) => h('th', { scope: 'col' }, c)))),
        memberRows))));

  // A membership's row; its forms are made once, so that a live update
  // does not take what someone is typing.
  const memberRow = (m) => {
    const cells = { person: h('th', { scope: 'row' }), role: h('td'), from: h('td'), until: h('td') };
    const tr = h('tr', { 'data-name': m.name }, Object.values(cells));
    let changeForm = null;
    if (admin) {
      changeForm = form({
        title: `Change ${m.personName}'s membership`,
        submit: 'Save membership',
        fields: [{ name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: m.role }, ...dateFields(m)],
        async onSubmit(v) {
          await api.patch(`/v1/${m.name}?update_mask=role,start_date,end_date`, term(v));
          await load();
          return 'Saved.';
        },
      });
      const endForm = form({
        title: `End ${m.personName}'s membership?`,
        submit: 'Yes, end it',
        fields: [],
        async onSubmit() {
          await api.del(`/v1/${m.name}`);
          status.textContent = `${m.personName} is no longer a member.`;
          // The row goes: the focus goes to the members' heading.
          membersTitle.focus();
          await load();
          return 'Ended.';
        },
      });
      tr.append(h('td', { class: 'row-actions' },
        rowAction('Change', `${m.personName}'s membership`, changeForm),
        confirmStep('End', `${m.personName}'s membership`, `${m.personName} leaves the team today; the membership is kept as ended.`, endForm)));
    }
    return {
      node: tr,
      update(x) {
        replace(cells.person, x.personLabel);
        cells.role.textContent = roleName(x.role);
        cells.role.dataset.role = x.role;
        cells.from.textContent = isoDate(x.start_date);
        cells.until.textContent = isoDate(x.end_date) || '—';
        // A closed form shows the membership as it is now.
        if (changeForm && !changeForm.closest('details').open) {
          changeForm.controls.role.value = x.role;
          changeForm.controls.start_date.value = isoDate(x.start_date);
          changeForm.controls.end_date.value = isoDate(x.end_date);
        }
      },
    };
  };

  let addForm = null;
  const loadMembers = async () => {
    const dir = directory(org, session);
    const [members, everyone] = await Promise.all([
      api.all(`/v1/organisations/${org}/teams/${teamId}/members`, 'members'),
      dir.people(),
    ]);
    const who = await dir.names(members.map((m) => m.person));
    const displayName = (n) => (everyone.find((p) => p.name === n) || {}).display_name || idOf(n);
    // Leads first, then by name.
    const sorted = members.map((m) => ({ ...m, personName: displayName(m.person), personLabel: who(m.person) }))
      .sort((a, b) => MEMBER_ROLES.indexOf(a.role) - MEMBER_ROLES.indexOf(b.role) || a.personName.localeCompare(b.personName));
    keyed(memberRows, sorted, (m) => m.name, memberRow);
    if (!members.length) memberRows.append(h('tr', {}, h('td', { colspan: admin ? 5 : 4 }, 'No members yet.')));
    if (addForm) {
      const c = addForm.controls.person;
      const chosen = c.value;
      replace(c, everyone.filter((p) => !p.delete_time).sort((a, b) => a.display_name.localeCompare(b.display_name))
        .map((p) => h('option', { value: p.name, selected: p.name === chosen }, p.display_name)));
    }
  };

  const load = async () => {
    const [team, teams, elements] = await Promise.all([
      api.get(`/v1/organisations/${org}/teams/${teamId}`),
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
      api.all(`/v1/organisations/${org}/elements`, 'elements'),
      loadMembers(),
    ]);
    // The team and every team under it, however deep.
    const under = new Set([team.name]);
    for (let grew = true; grew;) {
      grew = false;
      for (const t of teams) {
        if (t.parent_team && under.has(t.parent_team) && !under.has(t.name)) {
          under.add(t.name);
          grew = true;
        }
      }
    }
    const teamLink = (t) => h('a', { href: `#/o/${org}/teams/${idOf(t.name)}` }, t.display_name);
    const parent = teams.find((t) => t.name === team.parent_team);
    const children = teams.filter((t) => t.parent_team === team.name).sort((a, b) => a.display_name.localeCompare(b.display_name));
    const mine = elements.filter((e) => under.has(e.owner_team));
    title.textContent = team.display_name;
    about.replaceChildren(
      h('p', { class: 'muted' }, teamKindName(team.kind), team.purpose ? ` — ${team.purpose}` : ''),
      parent ? h('p', {}, h('span', { class: 'label' }, 'Reports to '), teamLink(parent)) : null,
      children.length ? h('p', {}, h('span', { class: 'label' }, 'Teams under it '),
        children.flatMap((t, i) => (i ? [', ', teamLink(t)] : [teamLink(t)]))) : null,
      h('p', {}, `${mine.length} ${mine.length === 1 ? 'element' : 'elements'} owned by this team`,
        under.size > 1 ? ` and the ${under.size - 1} ${under.size === 2 ? 'team' : 'teams'} under it` : '', '. ',
        h('a', { href: `#/o/${org}/map?team=${teamId}` }, 'Its own elements on the strategy map'), '; ',
        h('a', { href: `#/o/${org}/digest?team=${teamId}` }, 'what happened this week')));
    summary.replaceChildren(...await glance(org, mine));
  };

  if (admin) {
    addForm = form({
      title: 'Add a member',
      submit: 'Add member',
      clearOnSuccess: ['end_date'],
      fields: [
        { name: 'person', label: 'Person', type: 'select', required: true, options: [] },
        { name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: 'ROLE_MEMBER' },
        ...dateFields(null),
      ],
      async onSubmit(v) {
        const m = await api.post(`/v1/organisations/${org}/teams/${teamId}/members`, { person: v.person, ...term(v) });
        await loadMembers();
        const chosen = addForm.controls.person.selectedOptions[0];
        return `Added ${chosen ? chosen.textContent : idOf(m.person)}, ${roleName(m.role).toLowerCase()}.`;
      },
    });
    el.querySelector('#members').append(h('div', { class: 'card' }, addForm));
  }
  await load();
  return { refresh: load };
}
