// The fields of a KPI, shared by the form that creates one and the form
// that changes one, and their conversion to the API's JSON.
import { isoDate, protoDate, unitName, directionName, frequencyName } from './format.js';

const UNITS = ['UNIT_PERCENT', 'UNIT_COUNT', 'UNIT_CURRENCY', 'UNIT_DAYS', 'UNIT_SCORE', 'UNIT_RATIO'];
const DIRECTIONS = ['DIRECTION_HIGHER_IS_BETTER', 'DIRECTION_LOWER_IS_BETTER', 'DIRECTION_WITHIN_BAND'];
const FREQUENCIES = ['FREQUENCY_WEEKLY', 'FREQUENCY_MONTHLY', 'FREQUENCY_QUARTERLY', 'FREQUENCY_YEARLY'];
const THRESHOLD_KINDS = [['KIND_RELATIVE', 'Relative (% of target)'], ['KIND_ABSOLUTE', 'Absolute (in the unit)'], ['KIND_BAND', 'Band edges']];

const band = (v) => v.threshold_kind === 'KIND_BAND';
const num = (x) => (x === undefined || x === null || x === '' ? 0 : Number(x));

// targetsText writes targets one per line, "YYYY-MM-DD value".
const targetsText = (targets) => (targets || []).map((t) => `${isoDate(t.period_end)} ${t.value ?? 0}`).join('\n');

// kpiFields are the form fields of a KPI, filled from k when given.
export function kpiFields(k, { elements, teams }) {
  const th = (k && k.thresholds) || {};
  return [
    { name: 'title', label: 'Title', required: true, value: k ? k.title : '' },
    { name: 'element', label: 'Measures the element', type: 'select', value: k ? k.element : '', options: elements.map((e) => [e.name, e.title]) },
    { name: 'owner_team', label: 'Owner team', type: 'select', value: k ? k.owner_team : '', options: teams.map((t) => [t.name, t.display_name]) },
    { name: 'unit', label: 'Unit', type: 'select', value: k ? k.unit : 'UNIT_PERCENT', options: UNITS.map((u) => [u, unitName(u)]) },
    { name: 'direction', label: 'Good is', type: 'select', value: k ? k.direction : 'DIRECTION_HIGHER_IS_BETTER', options: DIRECTIONS.map((d) => [d, directionName(d)]) },
    { name: 'frequency', label: 'Reported', type: 'select', value: k ? k.frequency : 'FREQUENCY_MONTHLY', options: FREQUENCIES.map((f) => [f, frequencyName(f)]) },
    {
      name: 'targets', label: 'Targets', type: 'textarea', value: k ? targetsText(k.targets) : '',
      hint: 'One per line: the last day of the period and the value, e.g. 2026-12-31 90.', show: (v) => !band(v),
    },
    { name: 'threshold_kind', label: 'Thresholds', type: 'select', value: th.kind || 'KIND_RELATIVE', options: THRESHOLD_KINDS },
    { name: 'green_within', label: 'Green within', type: 'number', step: 'any', min: 0, value: th.green_within ?? 0, show: (v) => !band(v), hint: 'How far from the target is still green.' },
    { name: 'amber_within', label: 'Amber within', type: 'number', step: 'any', min: 0, value: th.amber_within ?? 5, show: (v) => !band(v), hint: 'How far from the target is still amber; beyond it is red.' },
    { name: 'green_low', label: 'Green from', type: 'number', step: 'any', value: th.green_low ?? 0, show: band },
    { name: 'green_high', label: 'Green to', type: 'number', step: 'any', value: th.green_high ?? 0, show: band },
    { name: 'amber_low', label: 'Amber from', type: 'number', step: 'any', value: th.amber_low ?? 0, show: band },
    { name: 'amber_high', label: 'Amber to', type: 'number', step: 'any', value: th.amber_high ?? 0, show: band },
    { name: 'data_source', label: 'Data source', value: k ? k.data_source || '' : '' },
    { name: 'description', label: 'Description', type: 'textarea', value: k ? k.description || '' : '' },
    // Only a KPI that exists is retired.
    k ? {
      name: 'retired', label: 'Expects values', type: 'select', value: String(Boolean(k.retired)),
      options: [['false', 'Yes, while its element is open'], ['true', 'No: retired, its last status final']],
    } : null,
  ].filter(Boolean);
}

// kpiBody turns the form's values into a Kpi. A target line that does not
// read is reported against the targets field, like the API's own errors.
export function kpiBody(v) {
  const targets = [];
  if (!band(v)) {
    const lines = (v.targets || '').split('\n').map((l) => l.trim()).filter(Boolean);
    lines.forEach((line, i) => {
      const [d, value] = line.split(/[\s,;]+/);
      const period = protoDate(d);
      if (!period || value === undefined || Number.isNaN(Number(value))) {
        const err = new Error(`target line ${i + 1} is not "YYYY-MM-DD value"`);
        err.fields = { [`kpi.targets[${i}]`]: `line ${i + 1}: write the date as YYYY-MM-DD, then the value` };
        throw err;
      }
      targets.push({ period_end: period, value: Number(value) });
    });
  }
  const thresholds = band(v)
    ? { kind: 'KIND_BAND', green_low: num(v.green_low), green_high: num(v.green_high), amber_low: num(v.amber_low), amber_high: num(v.amber_high) }
    : { kind: v.threshold_kind, green_within: num(v.green_within), amber_within: num(v.amber_within) };
  const body = {
    title: v.title, element: v.element, owner_team: v.owner_team, unit: v.unit, direction: v.direction, frequency: v.frequency,
    targets, thresholds, data_source: v.data_source, description: v.description,
  };
  if (v.retired !== undefined) body.retired = v.retired === 'true';
  return body;
}
