// An organisation's people and what each may do there; admins add people,
// change their roles and remove them.
import { h, keyed } from '../dom.js';
import * as api from '../api.js';
import { form, rowAction, confirmStep } from '../forms.js';
import { roleName, ROLES, idOf } from '../format.js';

export const name = 'people';
export const title = 'People';

const roleWords = (role) => roleName(role) || 'No access';
const ROLE_OPTIONS = [...ROLES.map((r) => [r, roleName(r)]), ['', 'No access']];

export async function render(el, { params, query, session }) {
  const [org] = params;
  const admin = session.role(org) >= 4;
  const chosen = query.get('person') || '';
  const throughOwner = Boolean((session.grant(org) || {}).through_owner);
  const title = h('h1', { tabindex: '-1' }, 'People');
  const status = h('p', { class: 'done', role: 'status' });
  const head = h('thead');
  const rows = h('tbody');
  el.append(title);
  if (throughOwner) el.append(h('p', { class: 'muted' }, 'You read this organisation as a member of its owner; people\'s contact details are not shown.'));
  el.append(status,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'people' },
      h('caption', { class: 'visually-hidden' }, 'The organisation\'s people and their roles'), head, rows)));

  // The columns: email only where the API gives it, and what admins need.
  let columns = [];
  const row = (p) => {
    const cells = {
      name: h('th', { scope: 'row', id: `person-${idOf(p.name)}`, tabindex: '-1' }),
      job: h('td'),
      email: h('td'),
      role: h('td'),
      subject: h('td'),
    };
    const tr = h('tr', { 'data-name': p.name }, Object.values(cells));
    let roleForm = null;
    if (admin) {
      roleForm = form({
        title: `Change ${p.display_name}'s role`,
        level: 2,
        submit: 'Save role',
        fields: [{ name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: p.role || '' }],
        async onSubmit(v) {
          const q = await api.patch(`/v1/${p.name}?update_mask=role`, { role: v.role || undefined });
          await load();
          return `${q.display_name}: ${roleWords(q.role)}.`;
        },
      });
      const removeForm = form({
        title: `Remove ${p.display_name}?`,
        level: 2,
        submit: 'Yes, remove',
        fields: [],
        async onSubmit() {
          await api.del(`/v1/${p.name}`);
          status.textContent = `Removed ${p.display_name}.`;
          // Their row goes: the focus goes to the top of the page.
          title.focus();
          await load();
          return 'Removed.';
        },
      });
      tr.append(h('td', { class: 'row-actions' },
        rowAction('Change role', `of ${p.display_name}`, roleForm),
        confirmStep('Remove', p.display_name,
          `${p.display_name} will no longer be able to sign in, and their team memberships end.`, removeForm)));
    }
    return {
      node: tr,
      update(x) {
        cells.name.textContent = x.display_name;
        cells.job.textContent = x.job_title || '';
        cells.email.replaceChildren(x.email ? h('a', { href: `mailto:${x.email}` }, x.email) : '');
        cells.role.textContent = roleWords(x.role);
        cells.role.dataset.role = x.role || '';
        cells.subject.textContent = x.external_subject || '—';
        cells.email.hidden = !columns.includes('Email');
        cells.subject.hidden = !columns.includes('Signs in as');
        tr.classList.toggle('chosen', idOf(x.name) === chosen);
        // What someone is choosing stays; a closed form shows the role as it is.
        if (roleForm && !roleForm.closest('details').open) roleForm.controls.role.value = x.role || '';
      },
    };
  };

  const load = async () => {
    const people = await api.all(`/v1/organisations/${org}/people`, 'people');
    columns = ['Name', 'Job title', people.some((p) => p.email) ? 'Email' : null, 'Role',
      admin ? 'Signs in as' : null, admin ? 'Change' : null].filter(Boolean);
    head.replaceChildren(h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c))));
    keyed(rows, people, (p) => p.name, row);
    if (!people.length) rows.append(h('tr', {}, h('td', { colspan: columns.length }, 'No people yet.')));
  };
  await load();

  if (admin) {
    el.append(h('section', { class: 'card' }, form({
      title: 'New person',
      level: 2,
      submit: 'Add person',
      resetOnSuccess: true,
      fields: [
        { name: 'person_id', label: 'Id', hint: 'Optional, e.g. ana. Leave empty for a generated one.' },
        { name: 'display_name', label: 'Name', required: true },
        { name: 'email', label: 'Email', type: 'email', required: true },
        { name: 'job_title', label: 'Job title' },
        { name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: 'ROLE_VIEWER',
          hint: 'Viewers read; contributors also record values and progress for their teams; planners change the plan; admins manage people, teams and tokens.' },
        { name: 'external_subject', label: 'Sign-in subject', hint: 'Optional: their user id at the identity provider (the sub of their tokens), so that they can sign in.' },
      ],
      async onSubmit(v) {
        const q = v.person_id ? `?person_id=${encodeURIComponent(v.person_id)}` : '';
        const p = await api.post(`/v1/organisations/${org}/people${q}`, {
          display_name: v.display_name, email: v.email, job_title: v.job_title, role: v.role || undefined, external_subject: v.external_subject,
        });
        await load();
        return `Added ${p.display_name}, ${roleWords(p.role).toLowerCase()}.`;
      },
    })));
  }

  // Another page linked to a person: their row is marked and has the focus.
  const target = chosen && document.getElementById(`person-${chosen}`);
  if (target) {
    target.scrollIntoView({ block: 'center' });
    target.focus({ preventScroll: true });
  }
  return { refresh: load };
}
