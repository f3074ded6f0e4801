// The organisations the caller may see; platform admins may add one.
import { h } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { teamKindName } from '../format.js';

export const name = 'home';

const KINDS = ['KIND_COUNCIL', 'KIND_AGENCY', 'KIND_DEPARTMENT', 'KIND_SHARED_SERVICE_COMPANY', 'KIND_OTHER'];

export async function render(el, { session }) {
  const list = h('ul', { class: 'cards', id: 'organisations' });
  el.append(h('h1', {}, 'Organisations'), list);

  const load = async () => {
    const orgs = await api.all('/v1/organisations?order_by=display_name', 'organisations');
    list.replaceChildren(...orgs.map((o) => h('li', { class: 'card' },
      h('h2', {}, h('a', { href: `#/o/${o.name.split('/')[1]}` }, o.display_name)),
      h('p', { class: 'muted' }, teamKindName(o.kind)),
      o.description ? h('p', {}, o.description) : null)));
    if (!orgs.length) list.append(h('li', {}, 'No organisation yet.', session.caller.platform_admin ? ' Add one below.' : ' Ask an admin for a role in one.'));
  };
  await load();

  if (session.caller.platform_admin) {
    el.append(h('section', { class: 'card' }, form({
      title: 'New organisation',
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
