// An organisation's API tokens, the credentials of the programs that use
// the API: admins make them, see each one's secret once, and revoke them.
import { h, keyed, replace } from '../dom.js';
import * as api from '../api.js';
import { form, confirmStep } from '../forms.js';
import { showSecret } from '../secret.js';
import { directory } from '../people.js';
import { roleName, ROLES, when } from '../format.js';

export const name = 'tokens';
export const title = 'API tokens';

export async function render(el, { params, session }) {
  const [org] = params;
  const title = h('h1', { tabindex: '-1' }, 'API tokens');
  el.append(title);
  if (session.role(org) < 4) {
    el.append(h('p', {}, 'Only the organisation\'s admins manage its API tokens.'));
    return null;
  }
  const status = h('p', { class: 'done', role: 'status' });
  // The secret of a token just made: shown here once, kept nowhere else
  // (not in the address, not in storage), gone on reload.
  const secretBox = h('section', { class: 'card secret', id: 'new-secret', hidden: true });
  const rows = h('tbody');
  el.append(h('p', { class: 'muted' }, 'Programs send a token as "Authorization: Bearer <secret>" and act with its role in this organisation.'),
    status, secretBox,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'tokens' },
      h('caption', { class: 'visually-hidden' }, 'The organisation\'s API tokens, newest first'),
      h('thead', {}, h('tr', {}, ['Name', 'Role', 'Made', 'Expires', 'Made by', 'Revoke'].map((c) => h('th', { scope: 'col' }, c)))),
      rows)));

  const row = (t) => {
    const cells = { name: h('th', { scope: 'row' }), role: h('td'), made: h('td'), expires: h('td'), by: h('td') };
    const revokeForm = form({
      title: `Revoke ${t.display_name}?`,
      level: 2,
      submit: 'Yes, revoke',
      fields: [],
      async onSubmit() {
        await api.del(`/v1/${t.name}`);
        status.textContent = `Revoked ${t.display_name}.`;
        // Its row goes: the focus goes to the top of the page.
        title.focus();
        await load();
        return 'Revoked.';
      },
    });
    return {
      node: h('tr', { 'data-name': t.name }, Object.values(cells), h('td', { class: 'row-actions' },
        confirmStep('Revoke', t.display_name, 'Programs that use it stop working within 30 seconds.', revokeForm))),
      update(x) {
        cells.name.textContent = x.display_name;
        cells.role.textContent = roleName(x.role);
        cells.made.textContent = when(x.create_time);
        const expired = x.expire_time && new Date(x.expire_time) < new Date();
        replace(cells.expires, x.expire_time ? when(x.expire_time) : 'Never',
          expired ? [' ', h('span', { class: 'badge bad' }, 'Expired')] : null);
        replace(cells.by, x.by);
      },
    };
  };

  const load = async () => {
    const tokens = await api.all(`/v1/organisations/${org}/apiTokens`, 'api_tokens');
    const who = await directory(org, session).names(tokens.map((t) => t.create_actor));
    keyed(rows, tokens.map((t) => ({ ...t, by: who(t.create_actor) })), (t) => t.name, row);
    if (!tokens.length) rows.append(h('tr', {}, h('td', { colspan: 6 }, 'No API token yet.')));
  };
  await load();

  el.append(h('section', { class: 'card' }, form({
    title: 'New API token',
    level: 2,
    submit: 'Create token',
    resetOnSuccess: true,
    fields: [
      { name: 'display_name', label: 'Name', required: true, hint: 'What it is for, e.g. Nightly import from the finance system.' },
      { name: 'role', label: 'Role', type: 'select', options: ROLES.map((r) => [r, roleName(r)]), value: 'ROLE_VIEWER' },
      { name: 'expire_time', label: 'Expires on', type: 'date', hint: 'Optional: it stops working at the end of this day. Leave empty for a token that never expires.' },
    ],
    async onSubmit(v) {
      const res = await api.post(`/v1/organisations/${org}/apiTokens`, {
        display_name: v.display_name, role: v.role,
        expire_time: v.expire_time ? new Date(`${v.expire_time}T23:59:59.999`).toISOString() : undefined,
      });
      showSecret(secretBox, { id: 'token-secret', what: res.api_token.display_name, secret: res.secret, back: title,
        power: 'Keep it as safe as a password: whoever has it acts as this token until it is revoked.' });
      await load();
      return `Created ${res.api_token.display_name}. Copy its secret above: it is shown only once.`;
    },
  })));
  return { refresh: load };
}
