// How API values read on the page: enum names as words, dates as ISO days,
// health and status as badges that say in text what their colour shows.
import { h } from './dom.js';

const words = (prefix) => (v) => {
  if (!v) return '';
  const w = v.replace(prefix, '').toLowerCase().replace(/_/g, ' ');
  return w.charAt(0).toUpperCase() + w.slice(1);
};

export const levelName = words('LEVEL_');
export const statusName = words('STATUS_');
export const kindName = words('OBJECTIVE_KIND_');
export const unitName = words('UNIT_');
export const directionName = words('DIRECTION_');
export const frequencyName = words('FREQUENCY_');
export const checkInFrequencyName = words('CHECK_IN_FREQUENCY_');
export const teamKindName = words('KIND_');
// roleName says an organisation role (ROLE_PLANNER: Planner) or a team
// membership's role (ROLE_LEAD: Lead); both enums share the prefix.
export const roleName = words('ROLE_');

export const LEVELS = ['LEVEL_VISION', 'LEVEL_MISSION', 'LEVEL_OBJECTIVE', 'LEVEL_STRATEGY', 'LEVEL_TACTIC'];
export const STATUSES = ['STATUS_PROPOSED', 'STATUS_ACTIVE', 'STATUS_ON_HOLD', 'STATUS_DONE', 'STATUS_DROPPED'];
export const CHECK_IN_FREQUENCIES = ['CHECK_IN_FREQUENCY_UNSPECIFIED', 'CHECK_IN_FREQUENCY_WEEKLY', 'CHECK_IN_FREQUENCY_FORTNIGHTLY',
  'CHECK_IN_FREQUENCY_MONTHLY', 'CHECK_IN_FREQUENCY_QUARTERLY'];
export const ROLES = ['ROLE_VIEWER', 'ROLE_CONTRIBUTOR', 'ROLE_PLANNER', 'ROLE_ADMIN'];
export const MEMBER_ROLES = ['ROLE_LEAD', 'ROLE_MEMBER', 'ROLE_SPONSOR', 'ROLE_SECRETARIAT'];
export const OBJECTIVE_KINDS = ['OBJECTIVE_KIND_THEMATIC_GOAL', 'OBJECTIVE_KIND_DEFINING_OBJECTIVE', 'OBJECTIVE_KIND_STANDARD_OPERATING'];

const HEALTH = {
  HEALTH_ON_TRACK: ['On track', 'good'],
  HEALTH_AT_RISK: ['At risk', 'warn'],
  HEALTH_OFF_TRACK: ['Off track', 'bad'],
  HEALTH_UNKNOWN: ['Not measured', 'none'],
};

const KPI_STATUS = {
  KPI_STATUS_GREEN: ['Green', 'good'],
  KPI_STATUS_AMBER: ['Amber', 'warn'],
  KPI_STATUS_RED: ['Red', 'bad'],
  KPI_STATUS_NO_DATA: ['No data', 'none'],
  KPI_STATUS_OVERDUE: ['Overdue', 'warn'],
};

// healthTone is the colour class of a health: good, warn, bad or none.
export const healthTone = (health) => (HEALTH[health] || HEALTH.HEALTH_UNKNOWN)[1];

export function healthBadge(health) {
  const [label, tone] = HEALTH[health] || HEALTH.HEALTH_UNKNOWN;
  return h('span', { class: `badge ${tone}`, 'data-health': health || 'HEALTH_UNKNOWN' }, label);
}

// checkInNote says, in a few words, how an element's owners last checked
// in ("Checked in 3 Dec: At risk"), and that a check-in is late when its
// due time has passed; null when there is nothing to say.
export function checkInNote(e) {
  const late = e.check_in_due_time && new Date(e.check_in_due_time) < new Date();
  const c = e.latest_check_in;
  if (!c && !late) return null;
  const day = (ts) => new Date(ts).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  return h('span', { class: 'check-in-note' },
    c ? [`Checked in ${day(c.create_time)}: `, healthBadge(c.assessment)] : null,
    late ? h('span', { class: 'badge warn late', 'data-late': 'true' }, 'Check-in late') : null);
}

// closureText says why a KPI expects no more values, '' while it is open.
export const closureText = (closure) => ({
  CLOSURE_ELEMENT_DONE: 'its element is done', CLOSURE_ELEMENT_DROPPED: 'its element was dropped',
  CLOSURE_HORIZON_ENDED: "its element's horizon has ended", CLOSURE_RETIRED: 'it was retired',
}[closure] || '');

// kpiBadge shows a KPI's status; a closed KPI's (closure) is final, and
// says so in words.
export function kpiBadge(status, closure) {
  const [label, tone] = KPI_STATUS[status] || KPI_STATUS.KPI_STATUS_NO_DATA;
  const why = closureText(closure);
  return h('span', { class: `badge ${tone}`, 'data-status': status || 'KPI_STATUS_NO_DATA', 'data-final': why ? 'true' : undefined, title: why ? `Final: ${why}` : undefined },
    why ? `${label}, final` : label);
}

export const trendName = (t) => ({ TREND_IMPROVING: 'improving', TREND_STEADY: 'steady', TREND_WORSENING: 'worsening' }[t] || '');

// isoDate turns a google.type.Date into YYYY-MM-DD.
export function isoDate(d) {
  if (!d || !d.year) return '';
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

// protoDate turns YYYY-MM-DD into a google.type.Date.
export function protoDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  return m ? { year: +m[1], month: +m[2], day: +m[3] } : undefined;
}

// utcTime is Date.UTC(year, monthIndex, day) without its quirk of reading
// the years 0 to 99 as 1900 to 1999: the API's dates start at year 1.
export function utcTime(year, monthIndex, day) {
  const t = new Date(0);
  t.setUTCFullYear(year, monthIndex, day);
  return t.getTime();
}

// dayNumber counts days since 1970 for a google.type.Date (UTC), to compare
// and subtract dates.
export const dayNumber = (d) => Math.round(utcTime(d.year, d.month - 1, d.day) / 86400000);

export function today() {
  const n = new Date();
  return { year: n.getFullYear(), month: n.getMonth() + 1, day: n.getDate() };
}

// monthEnd is the last day of the month n months from today.
export function monthEnd(n = 0) {
  const t = today();
  const d = new Date(Date.UTC(t.year, t.month - 1 + n + 1, 0));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function formatNumber(v, unit) {
  const n = Number(v || 0);
  const text = Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
  return unit === 'UNIT_PERCENT' ? `${text}%` : text;
}

export const idOf = (name) => (name || '').split('/').pop();

export function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString();
}
