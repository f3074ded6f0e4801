// Home: a signed-in person's work in each organisation they belong to
// (what their teams owe, what mentions them, what waits for their
// answer), then the organisations the caller may see; platform admins may
// add one.
import { h } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { teamKindName, idOf, when } from '../format.js';

export const name = 'home';
export const title = 'Organisations';

const KINDS = ['KIND_COUNCIL', 'KIND_AGENCY', 'KIND_DEPARTMENT', 'KIND_SHARED_SERVICE_COMPANY', 'KIND_OTHER'];

const WORK = {
  KIND_CHECK_IN: 'Check in on',
  KIND_KPI_VALUE: 'Record the next value of',
  KIND_MENTION: 'You were mentioned on',
  KIND_LINK_REQUEST: 'Answer the link request from',
};

// workLink is where an item of work is done: an element's (or its
// comment's) place on the map, a KPI's page, the overview's link requests.
function workLink(it) {
  const [, org, collection, id] = it.resource.split('/');
  const href = { elements: `#/o/${org}/map?el=${id}`, kpis: `#/o/${org}/kpis/${id}` }[collection] || `#/o/${org}`;
  return h('a', { href }, it.title || idOf(it.resource));
}

// myWork lists the caller's work in each organisation where they are a
// person, earliest due first.
async function myWork(session) {
  const persons = (session.caller.grants || []).filter((g) => g.person);
  const works = await Promise.all(persons.map((g) => api.get(`/v1/${g.person}:work`).then((w) => [g, w], () => [g, null])));
  const lists = works.filter(([, w]) => w && (w.items || []).length).map(([g, w]) => h('div', {},
    persons.length > 1 ? h('h2', {}, g.organisation.split('/')[1]) : null,
    h('ul', { class: 'work' }, w.items.map((it) => h('li', { 'data-kind': it.kind, class: it.late ? 'late' : '' },
      `${WORK[it.kind] || it.kind} `, workLink(it), ' ',
      h('span', { class: 'muted' }, it.kind === 'KIND_MENTION' ? when(it.due_time) : `due ${when(it.due_time)}`),
      it.late ? [' ', h('span', { class: 'badge warn' }, 'Late')] : null)))));
  if (!persons.length) return null;
  return h('section', { class: 'card', id: 'my-work', 'aria-labelledby': 'my-work-title' }, h('h1', { id: 'my-work-title' }, 'My work'),
    lists.length ? lists : h('p', { class: 'muted' }, 'Nothing is due from you or your teams this week.'));
}

export async function render(el, { session }) {
  const list = h('ul', { class: 'cards', id: 'organisations' });
  const work = await myWork(session);
  // A person's page starts with their work; the organisations follow.
  el.append(...[work, h(work ? 'h2' : 'h1', {}, 'Organisations'), list].filter(Boolean));

  const load = async () => {
    const orgs = await api.all('/v1/organisations?order_by=display_name', 'organisations');
    list.replaceChildren(...orgs.map((o) => h('li', { class: 'card' },
      h(work ? 'h3' : 'h2', {}, h('a', { href: `#/o/${o.name.split('/')[1]}` }, o.display_name)),
      h('p', { class: 'muted' }, teamKindName(o.kind)),
      o.description ? h('p', {}, o.description) : null)));
    if (!orgs.length) list.append(h('li', {}, 'No organisation yet.', session.caller.platform_admin ? ' Add one below.' : ' Ask an admin for a role in one.'));
  };
  await load();

  if (session.caller.platform_admin) {
    el.append(h('section', { class: 'card' }, form({
      title: 'New organisation',
      level: work ? 3 : 2,
      submit: 'Create organisation',
      resetOnSuccess: true,
      fields: [
        { name: 'organisation_id', label: 'Id', hint: 'Lower-case letters, digits and hyphens, e.g. north-council. Leave empty for a generated one.' },
        { name: 'display_name', label: 'Name', required: true },
        { name: 'kind', label: 'Kind', type: 'select', required: true, options: KINDS.map((k) => [k, teamKindName(k)]) },
      ],
      async onSubmit(v) {
        const q = v.organisation_id ? `?organisation_id=${encodeURIComponent(v.organisation_id)}` : '';
        const o = await api.post(`/v1/organisations${q}`, { display_name: v.display_name, kind: v.kind });
        await load();
        return `Created ${o.display_name}.`;
      },
    })));
  }
  return { refresh: load };
}
