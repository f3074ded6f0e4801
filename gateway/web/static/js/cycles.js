// Planning cycles: the periods time-boxed work belongs to ("2018 H1").
// Everyone reads them; planners make one, close one (freezing how its
// elements ended) and carry a closed one forward into the next, with its
// unfinished elements and their KPIs.
import { h, replace } from './dom.js';
import * as api from './api.js';
import { form } from './forms.js';
import { isoDate, protoDate, idOf, when } from './format.js';

// cycleText is a cycle's name and dates, and whether it is closed.
export const cycleText = (c) => `${c.display_name} (${isoDate(c.start_date)} to ${isoDate(c.end_date)}${c.state === 'STATE_CLOSED' ? ', closed' : ''})`;

// cyclesCard returns the cycles of org as a card, {el, load}; planners
// (role 3 and up) get the forms. onChange runs after a change.
export function cyclesCard({ org, role, onChange }) {
  const rows = h('tbody');
  const status = h('p', { class: 'muted', role: 'status', id: 'cycles-status' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'cycles-title' }, h('h2', { id: 'cycles-title' }, 'Planning cycles'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'cycles' },
      h('caption', { class: 'visually-hidden' }, 'Planning cycles, newest first'),
      h('thead', {}, h('tr', {}, ['Cycle', 'Dates', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))), rows)), status);
  const changed = async (message) => {
    status.textContent = message;
    await load();
    await onChange();
  };
  // carryForm carries the closed cycle c into the next.
  const carryForm = (c) => form({
    title: `Carry ${c.display_name} forward`,
    submit: 'Carry forward',
    fields: [
      { name: 'next_cycle_id', label: 'Id of the next cycle', required: true, hint: 'e.g. h2-2018' },
      { name: 'display_name', label: 'Its name', required: true },
      { name: 'start_date', label: 'Start', type: 'date', required: true },
      { name: 'end_date', label: 'End', type: 'date', required: true },
    ],
    async onSubmit(v) {
      const r = await api.post(`/v1/${c.name}:carryForward`, { next_cycle_id: v.next_cycle_id,
        next_cycle: { display_name: v.display_name, start_date: protoDate(v.start_date), end_date: protoDate(v.end_date) } });
      await changed(`Started ${r.cycle.display_name} with ${(r.elements || []).length} unfinished elements of ${c.display_name}.`);
      return 'Carried forward.';
    },
  });
  const actions = (c) => {
    if (role < 3) return null;
    if (c.state === 'STATE_OPEN') {
      return h('button', {
        type: 'button',
        async onclick() {
          try {
            await api.post(`/v1/${c.name}:close`, { etag: c.etag });
            await changed(`Closed ${c.display_name}: how its elements ended is kept.`);
          } catch (err) {
            status.textContent = err.message;
          }
        },
      }, `Close ${c.display_name}`);
    }
    // Kept across reloads, so that a live refresh neither folds it nor
    // loses what is typed in it.
    if (!carries.has(c.name)) carries.set(c.name, h('details', { class: 'row-action' }, h('summary', {}, 'Carry forward'), carryForm(c)));
    return carries.get(c.name);
  };
  const carries = new Map();
  async function load() {
    const cycles = await api.all(`/v1/organisations/${org}/cycles`, 'cycles');
    replace(rows, cycles.length ? cycles.map((c) => h('tr', { 'data-name': c.name },
      h('th', { scope: 'row' }, h('a', { href: `#/o/${org}/map?cycle=${idOf(c.name)}` }, c.display_name),
        c.predecessor ? h('span', { class: 'muted' }, ` (after ${idOf(c.predecessor)})`) : null),
      h('td', {}, `${isoDate(c.start_date)} to ${isoDate(c.end_date)}`),
      h('td', { 'data-state': c.state }, c.state === 'STATE_CLOSED' ? `Closed ${when(c.close_time)}` : 'Open'),
      h('td', {}, actions(c)))) : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No cycle yet.')));
  }
  if (role >= 3) {
    el.append(form({
      title: 'New cycle',
      submit: 'Create cycle',
      resetOnSuccess: true,
      fields: [
        { name: 'cycle_id', label: 'Id', hint: 'Optional, e.g. h1-2018.' },
        { name: 'display_name', label: 'Name', required: true, hint: 'e.g. 2018 H1' },
        { name: 'start_date', label: 'Start', type: 'date', required: true },
        { name: 'end_date', label: 'End', type: 'date', required: true },
      ],
      async onSubmit(v) {
        const q = v.cycle_id ? `?cycle_id=${encodeURIComponent(v.cycle_id)}` : '';
        const c = await api.post(`/v1/organisations/${org}/cycles${q}`,
          { display_name: v.display_name, start_date: protoDate(v.start_date), end_date: protoDate(v.end_date) });
        await changed('');
        return `Created ${c.display_name}.`;
      },
    }));
  }
  return { el, load };
}
