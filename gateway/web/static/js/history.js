// History: who changed what and when, newest first, with each field's value
// before and after; those who may change a resource restore an earlier
// version of it (a rollback, itself a change in the history).
import { h, replace } from './dom.js';
import * as api from './api.js';
import { directory } from './people.js';
import { when, isoDate } from './format.js';

// actionText is what a revision did, after who did it.
export const actionText = (action) => ({
  ACTION_CREATED: 'created it', ACTION_UPDATED: 'changed it', ACTION_DELETED: 'deleted it',
  ACTION_UNDELETED: 'restored it', ACTION_COMPUTED: 'recomputed it',
}[action] || 'changed it');

// fieldName is a field as words: owner_team -> Owner team.
export const fieldName = (f) => f.charAt(0).toUpperCase() + f.slice(1).replace(/_/g, ' ');

// valueText is field's value v as a reader sees it: an enum as words, a
// date as an ISO day, a time as the reader's local time, a list or message
// as short JSON, none as "(none)".
export function valueText(field, v) {
  if (v === undefined || v === null || v === '') return '(none)';
  if (typeof v === 'string' && /^[A-Z]+(_[A-Z0-9]+)+$/.test(v)) {
    // An enum's values start with its type's name, which ends as the
    // field's name does: objective_kind OBJECTIVE_KIND_THEMATIC_GOAL,
    // status KPI_STATUS_GREEN, kpi_health HEALTH_AT_RISK.
    const type = `${field.split('_').pop().toUpperCase()}_`;
    const at = v.indexOf(type);
    const w = (at >= 0 ? v.slice(at + type.length) : v.slice(v.indexOf('_') + 1)).replace(/_/g, ' ').toLowerCase();
    return w.charAt(0).toUpperCase() + w.slice(1);
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(v)) return when(v);
  if (typeof v === 'object' && !Array.isArray(v) && 'year' in v && 'month' in v) return isoDate(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// changeList lists the fields a revision changed, from what to what.
export const changeList = (rev) => h('ul', { class: 'changes' }, (rev.changes || []).map((c) => h('li', {},
  h('span', { class: 'label' }, `${fieldName(c.field)}: `), valueText(c.field, c.old_value), ' → ', valueText(c.field, c.new_value))));

// history returns the history of resource (a name) of org, folded away
// until opened, as {el, load}. mayRestore says whether the caller may roll
// it back; onRestore runs after a rollback (the page refreshes).
export function history({ org, resource, session, mayRestore, onRestore }) {
  const list = h('ol', { class: 'revisions', 'aria-label': 'Changes, newest first' });
  const status = h('p', { class: 'muted', role: 'status' });
  const el = h('details', { class: 'history-panel' }, h('summary', {}, 'History'), status, list);
  const load = async () => {
    if (!el.open) return;
    const { revisions = [] } = await api.get(`/v1/${resource}:listRevisions?page_size=50`);
    const nameOf = await directory(org, session).names(revisions.map((r) => r.actor));
    replace(list, revisions.map((r, i) => h('li', {},
      h('p', {}, h('strong', {}, nameOf(r.actor)), ` ${actionText(r.action)}`, h('span', { class: 'muted' }, `, ${when(r.create_time)}`)),
      r.action === 'ACTION_UPDATED' || r.action === 'ACTION_COMPUTED' ? changeList(r) : null,
      mayRestore && i > 0 && r.action !== 'ACTION_DELETED' ? h('button', {
        type: 'button',
        class: 'link',
        async onclick() {
          try {
            await api.post(`/v1/${r.name}:rollback`);
            status.textContent = `Restored the version of ${when(r.create_time)}.`;
            await onRestore();
            await load();
          } catch (err) {
            status.textContent = err.message;
          }
        },
      }, `Restore the version of ${when(r.create_time)}`) : null)));
    if (!revisions.length) replace(list, h('li', { class: 'muted' }, 'No change recorded yet.'));
  };
  el.addEventListener('toggle', () => { load().catch((err) => { status.textContent = err.message; }); });
  return { el, load };
}
