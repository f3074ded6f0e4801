// A team's page: what the team is, where it sits among the teams, and its
// part of the plan at a glance — what it and the teams under it own.
import { h } from '../dom.js';
import * as api from '../api.js';
import { glance } from '../glance.js';
import { teamKindName, idOf } from '../format.js';

export const name = 'team';

export async function render(el, { params }) {
  const [org, teamId] = params;
  const title = h('h1', {}, 'Team');
  const about = h('div', { id: 'team-about' });
  const summary = h('div', { id: 'glance' });
  el.append(title, about,
    h('section', { 'aria-labelledby': 'glance-title', class: 'card' }, h('h2', { id: 'glance-title' }, 'At a glance'), summary));

  const load = async () => {
    const [team, teams, elements] = await Promise.all([
      api.get(`/v1/organisations/${org}/teams/${teamId}`),
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
      api.all(`/v1/organisations/${org}/elements`, 'elements'),
    ]);
    // The team and every team under it, however deep.
    const under = new Set([team.name]);
    for (let grew = true; grew;) {
      grew = false;
      for (const t of teams) {
        if (t.parent_team && under.has(t.parent_team) && !under.has(t.name)) {
          under.add(t.name);
          grew = true;
        }
      }
    }
    const teamLink = (t) => h('a', { href: `#/o/${org}/teams/${idOf(t.name)}` }, t.display_name);
    const parent = teams.find((t) => t.name === team.parent_team);
    const children = teams.filter((t) => t.parent_team === team.name).sort((a, b) => a.display_name.localeCompare(b.display_name));
    const mine = elements.filter((e) => under.has(e.owner_team));
    title.textContent = team.display_name;
    about.replaceChildren(
      h('p', { class: 'muted' }, teamKindName(team.kind), team.purpose ? ` — ${team.purpose}` : ''),
      parent ? h('p', {}, h('span', { class: 'label' }, 'Reports to '), teamLink(parent)) : null,
      children.length ? h('p', {}, h('span', { class: 'label' }, 'Teams under it '),
        children.flatMap((t, i) => (i ? [', ', teamLink(t)] : [teamLink(t)]))) : null,
      h('p', {}, `${mine.length} ${mine.length === 1 ? 'element' : 'elements'} owned by this team`,
        under.size > 1 ? ` and the ${under.size - 1} ${under.size === 2 ? 'team' : 'teams'} under it` : '', '. ',
        h('a', { href: `#/o/${org}/map?team=${teamId}` }, 'Its own elements on the strategy map')));
    summary.replaceChildren(...await glance(org, mine));
  };
  await load();
  return { refresh: load };
}
