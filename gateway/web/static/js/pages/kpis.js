// An organisation's KPIs with their status; planners may add one.
import { h } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { kpiFields, kpiBody } from '../kpiform.js';
import { kpiBadge, formatNumber, isoDate, idOf, trendName } from '../format.js';

export const name = 'kpis';
export const title = 'KPIs';

export async function render(el, { params, session }) {
  const [org] = params;
  const table = h('tbody');
  el.append(h('h1', {}, 'KPIs'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('caption', { class: 'visually-hidden' }, 'KPIs, their status and latest value'),
      h('thead', {}, h('tr', {}, ['KPI', 'Status', 'Latest', 'Period', 'Trend', 'Measures'].map((c) => h('th', { scope: 'col' }, c)))),
      table)));
  let elements = [];
  let teams = [];

  const load = async () => {
    let kpis;
    [kpis, elements, teams] = await Promise.all([
      api.all(`/v1/organisations/${org}/kpis`, 'kpis'),
      api.all(`/v1/organisations/${org}/elements`, 'elements'),
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
    ]);
    const titleOf = (n) => (elements.find((e) => e.name === n) || {}).title || idOf(n);
    table.replaceChildren(...kpis.map((k) => h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: `#/o/${org}/kpis/${idOf(k.name)}` }, k.title)),
      h('td', {}, kpiBadge(k.status, k.closure)),
      h('td', {}, k.latest_period_end ? formatNumber(k.latest_value, k.unit) : '—'),
      h('td', {}, isoDate(k.latest_period_end) || '—'),
      h('td', {}, trendName(k.trend) || '—'),
      h('td', {}, h('a', { href: `#/o/${org}/map?el=${idOf(k.element)}` }, titleOf(k.element))))));
    if (!kpis.length) table.append(h('tr', {}, h('td', { colspan: 6 }, 'No KPI yet.')));
  };
  await load();

  if (session.role(org) >= 3) {
    const fields = [{ name: 'kpi_id', label: 'Id', hint: 'Optional, e.g. customer-satisfaction.' }, ...kpiFields(null, { elements, teams })];
    el.append(h('section', { class: 'card' }, form({
      title: 'New KPI',
      level: 2,
      submit: 'Create KPI',
      fields,
      async onSubmit(v) {
        const q = v.kpi_id ? `?kpi_id=${encodeURIComponent(v.kpi_id)}` : '';
        const k = await api.post(`/v1/organisations/${org}/kpis${q}`, kpiBody(v));
        await load();
        location.hash = `#/o/${org}/kpis/${idOf(k.name)}`;
        return `Created ${k.title}.`;
      },
    })));
  }
  return { refresh: load };
}
