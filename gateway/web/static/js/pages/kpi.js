// One KPI: its status, a chart of its values against the targets and
// threshold bands, the values with their corrections, and forms to record a
// value, upload a CSV, correct a value and change the KPI.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { chart } from '../chart.js';
import { kpiFields, kpiBody } from '../kpiform.js';
import { directory } from '../people.js';
import { discussion } from '../discussion.js';
import { history } from '../history.js';
import {
  kpiBadge, closureText, formatNumber, isoDate, protoDate, idOf, when, unitName, directionName, frequencyName, trendName, monthEnd,
} from '../format.js';

export const name = 'kpi';
// The window's title names the KPI, which the heading shows once loaded.
export const title = (el) => `${el.querySelector('h1').textContent} · KPI`;

export async function render(el, { params, session }) {
  const [org, id] = params;
  const kpiName = `organisations/${org}/kpis/${id}`;
  const role = session.role(org);
  const title = h('h1', {}, 'KPI');
  const summary = h('div', { class: 'kpi-summary' });
  const chartBox = h('figure', { class: 'chart-box' });
  const targetHistory = h('section', { class: 'target-history-box', 'aria-label': 'Targets over time' });
  const rows = h('tbody');
  const legend = h('p', { class: 'legend' },
    h('span', { class: 'swatch good', 'aria-hidden': 'true' }), ' green band ',
    h('span', { class: 'swatch warn', 'aria-hidden': 'true' }), ' amber band ',
    h('span', { class: 'swatch bad', 'aria-hidden': 'true' }), ' red band ',
    h('span', { class: 'swatch target', 'aria-hidden': 'true' }), ' target ',
    h('span', { class: 'earlier', hidden: true }, h('span', { class: 'swatch target-then', 'aria-hidden': 'true' }), ' earlier target '),
    h('span', { class: 'swatch series', 'aria-hidden': 'true' }), ' values');
  const organisation = await api.get(`/v1/organisations/${org}`);
  const talk = discussion({ org, parent: kpiName, session, mayComment: role >= 2 || Boolean(organisation.viewers_may_comment), level: 2 });
  el.append(title, summary, chartBox, legend, targetHistory,
    h('h2', {}, 'Values and corrections'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'measurements' },
      h('caption', { class: 'visually-hidden' }, 'Values by period, with earlier values they corrected'),
      h('thead', {}, h('tr', {}, ['Period', 'Value', 'Status then', 'Note', 'Recorded by', 'Corrections'].map((c) => h('th', { scope: 'col' }, c)))),
      rows)),
    talk.el);
  const changes = history({ org, resource: kpiName, session, mayRestore: role >= 3, onRestore: () => load() });
  el.append(changes.el);

  let kpi = null;
  let measurements = [];
  let correctForm = null;
  const load = async () => {
    [kpi, measurements] = await Promise.all([
      api.get(`/v1/${kpiName}`),
      api.all(`/v1/${kpiName}/measurements`, 'measurements'),
    ]);
    title.textContent = kpi.title;
    const [element, who] = await Promise.all([
      api.get(`/v1/${kpi.element}`).catch(() => null),
      directory(org, session).names(measurements.flatMap((m) => [m.update_actor, ...(m.history || []).map((c) => c.actor)])),
    ]);
    replace(summary,
      h('p', { class: 'status-line' }, 'Status: ', kpiBadge(kpi.status, kpi.closure),
        kpi.latest_period_end ? ` latest ${formatNumber(kpi.latest_value, kpi.unit)} for ${isoDate(kpi.latest_period_end)}` : '',
        kpi.trend && kpi.trend !== 'TREND_UNSPECIFIED' ? `, ${trendName(kpi.trend)}` : '',
        closureText(kpi.closure) ? h('span', { class: 'muted' }, ` — closed: ${closureText(kpi.closure)}; no more values are due.`) : ''),
      h('dl', { class: 'props' },
        h('dt', {}, 'Measures'), h('dd', {}, h('a', { href: `#/o/${org}/map?el=${idOf(kpi.element)}` }, element ? element.title : idOf(kpi.element))),
        h('dt', {}, 'Unit'), h('dd', {}, `${unitName(kpi.unit)}${kpi.currency_code ? ` (${kpi.currency_code})` : ''}`),
        h('dt', {}, 'Good is'), h('dd', {}, directionName(kpi.direction)),
        h('dt', {}, 'Reported'), h('dd', {}, frequencyName(kpi.frequency)),
        kpi.data_source ? [h('dt', {}, 'Data source'), h('dd', {}, kpi.data_source)] : null,
        kpi.element_deleted ? [h('dt', {}, 'Note'), h('dd', {}, 'The element it measured has been deleted.')] : null));
    replace(chartBox, chart(kpi, measurements, chartBox.clientWidth - 16),
      h('figcaption', { class: 'visually-hidden' }, 'The values are listed in the table below.'));
    rows.replaceChildren(...[...measurements].reverse().map((m) => h('tr', {},
      h('th', { scope: 'row' }, isoDate(m.period_end)),
      h('td', {}, formatNumber(m.value, kpi.unit)),
      h('td', {}, kpiBadge(m.status)),
      h('td', {}, m.note || ''),
      h('td', {}, who(m.update_actor)),
      h('td', {}, (m.history || []).length
        ? h('ul', { class: 'history' }, m.history.map((c) => h('li', {},
          `was ${formatNumber(c.value, kpi.unit)}${c.note ? ` (“${c.note}”)` : ''}; changed by `, who(c.actor), ` on ${when(c.time)}`)))
        : '—'))));
    if (!measurements.length) rows.append(h('tr', {}, h('td', { colspan: 6 }, 'No values yet.')));
    // The targets as they were and as they are: each version grades the
    // periods from its day on.
    const versions = kpi.target_history || [];
    legend.querySelector('.earlier').hidden = versions.length < 2;
    const setBy = await directory(org, session).names(versions.map((v) => v.actor));
    replace(targetHistory, versions.length > 1 ? [h('h2', {}, 'Targets over time'), h('ol', { class: 'target-history' }, versions.map((v) => h('li', {},
      h('span', { class: 'label' }, v.effective_date ? `From ${isoDate(v.effective_date)}: ` : 'At first: '),
      (v.targets || []).map((t) => `${formatNumber(t.value, kpi.unit)} by ${isoDate(t.period_end)}`).join('; ') || 'bands only',
      h('span', { class: 'muted' }, ' — set by '), setBy(v.actor), h('span', { class: 'muted' }, ` on ${when(v.change_time)}`))))] : []);
    if (correctForm) {
      const c = correctForm.controls.measurement;
      const chosen = c.value;
      replace(c, [...measurements].reverse().map((m) => h('option', { value: m.name, selected: m.name === chosen },
        `${isoDate(m.period_end)}: ${formatNumber(m.value, kpi.unit)}`)));
    }
  };
  await load();

  const forms = h('div', { class: 'forms' });
  if (role >= 2) {
    forms.append(h('section', { class: 'card' }, form({
      title: 'Record a value',
      level: 2,
      submit: 'Record value',
      clearOnSuccess: ['value', 'note'],
      fields: [
        { name: 'period_end', label: 'Period ending', type: 'date', required: true, value: isoDate(monthEnd(0)) },
        { name: 'value', label: `Value (${unitName(kpi.unit)})`, type: 'number', step: 'any', required: true },
        { name: 'note', label: 'Note' },
      ],
      async onSubmit(v) {
        await api.post(`/v1/${kpiName}/measurements`, { period_end: protoDate(v.period_end), value: v.value, note: v.note });
        await load();
        return `Recorded ${formatNumber(v.value, kpi.unit)} for ${v.period_end}.`;
      },
    })));
    forms.append(h('section', { class: 'card' }, form({
      title: 'Upload values from a spreadsheet',
      level: 2,
      submit: 'Upload CSV',
      fields: [{
        name: 'csv', label: 'CSV file', type: 'file', accept: '.csv,text/csv', required: true,
        hint: 'Columns period_end,value,note (dates as YYYY-MM-DD), as the download gives them. All lines or none are recorded.',
      }],
      async onSubmit(v) {
        const text = await v.csv.text();
        const res = await api.postCSV(`/v1/${kpiName}/measurements:import`, text).catch((err) => {
          // The API lists every bad line; they belong to the file field.
          const lines = Object.entries(err.fields || {}).map(([f, d]) => `${f}: ${d}`);
          err.fields = { csv: lines.length ? lines.join('; ') : err.message };
          throw err;
        });
        await load();
        return `Recorded ${res.count || 0} values.`;
      },
    })));
    correctForm = form({
      title: 'Correct a value',
      level: 2,
      submit: 'Correct value',
      clearOnSuccess: ['value', 'note'],
      fields: [
        { name: 'measurement', label: 'Value to correct', type: 'select', options: [...measurements].reverse().map((m) => [m.name, `${isoDate(m.period_end)}: ${formatNumber(m.value, kpi.unit)}`]) },
        { name: 'value', label: 'Correct value', type: 'number', step: 'any', required: true },
        { name: 'note', label: 'Note', hint: 'Why it changed.' },
      ],
      async onSubmit(v) {
        await api.patch(`/v1/${v.measurement}?update_mask=value,note`, { value: v.value, note: v.note });
        await load();
        return 'Corrected; the earlier value stays in the history.';
      },
    });
    forms.append(h('section', { class: 'card' }, correctForm));
  }
  forms.append(h('section', { class: 'card' }, h('h2', { class: 'form-title' }, 'Download'),
    h('button', {
      type: 'button',
      onclick: () => api.download(`/v1/${kpiName}/measurements:export`, `${id}.csv`),
    }, 'Download values as CSV')));
  if (role >= 3) {
    const [elements, teams] = await Promise.all([
      api.all(`/v1/organisations/${org}/elements`, 'elements'),
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
    ]);
    forms.append(h('section', { class: 'card' }, form({
      title: 'Change this KPI',
      level: 2,
      submit: 'Save KPI',
      fields: [...kpiFields(kpi, { elements, teams }), {
        name: 'targets_effective_date', label: 'New targets grade values from', type: 'date',
        hint: 'Empty: today, so values already graded keep their status. An earlier day re-grades the values since.',
      }],
      async onSubmit(v) {
        const body = kpiBody(v);
        const q = new URLSearchParams({ update_mask: Object.keys(body).join(',') });
        const from = protoDate(v.targets_effective_date);
        if (from) for (const [k, x] of Object.entries(from)) q.set(`targets_effective_date.${k}`, x);
        await api.patch(`/v1/${kpiName}?${q}`, body);
        await load();
        return 'Saved.';
      },
    })));
  }
  el.append(forms);
  return { refresh: async () => { await Promise.all([load(), talk.load(), changes.load()]); } };
}
