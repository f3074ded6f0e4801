// At a glance: a plan, or the part of it a team owns, on one screen.
import { h } from './dom.js';
import * as api from './api.js';
import { healthBadge, dayNumber, today, levelName } from './format.js';

const HEALTHS = ['HEALTH_ON_TRACK', 'HEALTH_AT_RISK', 'HEALTH_OFF_TRACK', 'HEALTH_UNKNOWN'];
const TOP = ['LEVEL_VISION', 'LEVEL_MISSION', 'LEVEL_OBJECTIVE'];

// glance says how many of the live elements are in each health, what
// turned red this month (off track since a day of this month), the
// thematic goals running now with their days left, and what is off track
// at the top of the plan (visions, missions, objectives), with what puts
// it there (by title where the caller may read it). day is the day seen
// from (a google.type.Date): today unless given.
export async function glance(org, elements, day = today()) {
  const now = dayNumber(day);
  const counts = HEALTHS.map((health) => [health, elements.filter((e) => (e.health || 'HEALTH_UNKNOWN') === health).length]);
  const t = day;
  const monthStart = new Date(t.year, t.month - 1, 1);
  const red = elements.filter((e) => e.health === 'HEALTH_OFF_TRACK' && e.health_change_time && new Date(e.health_change_time) >= monthStart)
    .sort((a, b) => new Date(b.health_change_time) - new Date(a.health_change_time));
  const goals = elements.filter((e) => e.objective_kind === 'OBJECTIVE_KIND_THEMATIC_GOAL'
    && dayNumber(e.start_date) <= now && now <= dayNumber(e.end_date))
    .sort((a, b) => dayNumber(a.end_date) - dayNumber(b.end_date));
  const off = elements.filter((e) => TOP.includes(e.level) && e.health === 'HEALTH_OFF_TRACK');
  const link = (e) => h('a', { href: `#/o/${org}/map?el=${e.name.split('/').pop()}` }, e.title);
  const titles = await api.titles(off.flatMap((e) => (e.health_drivers || []).map((d) => d.element)));
  const driver = (d) => {
    const title = titles[d.element] || d.element.split('/').pop();
    return d.element.split('/')[1] === org ? title : `${title} (${d.element.split('/')[1]})`;
  };
  const since = (e) => new Date(e.health_change_time).toLocaleDateString(undefined, { day: 'numeric', month: 'long' });
  return [
    h('ul', { class: 'counts', 'aria-label': 'Elements by health' }, counts.map(([health, n]) => h('li', {}, healthBadge(health), ` ${n}`))),
    h('div', { class: 'turned-red' }, h('h3', {}, 'Turned red this month'), red.length
      ? h('ul', {}, red.map((e) => h('li', {}, link(e), h('span', { class: 'muted' }, ` ${levelName(e.level)}, off track since ${since(e)}`))))
      : h('p', { class: 'muted' }, 'Nothing turned red this month.')),
    goals.length ? h('div', {}, h('h3', {}, 'Thematic goals now'), h('ul', {}, goals.map((g) => {
      const left = dayNumber(g.end_date) - now;
      return h('li', {}, link(g), ' ', healthBadge(g.health), ` ${left} ${left === 1 ? 'day' : 'days'} left`);
    }))) : null,
    off.length ? h('div', {}, h('h3', {}, 'Off track at the top of the plan'), h('ul', {}, off.map((e) => h('li', {}, link(e),
      h('span', { class: 'muted' }, ` ${levelName(e.level)}`),
      (e.health_drivers || []).length ? h('span', { class: 'muted' }, `, from ${e.health_drivers.map(driver).join(', ')}`) : null)))) : null,
  ].filter(Boolean);
}
