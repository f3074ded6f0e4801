// The planning service's integrity report: what is missing or wrong in the
// plan, by kind, each finding linking to its element on the map.
import { h } from '../dom.js';
import * as api from '../api.js';
import { idOf } from '../format.js';

export const name = 'report';

const KINDS = {
  KIND_TACTIC_WITHOUT_KPI: ['Tactics no KPI measures', 'Add a KPI so that the tactic\'s health is known.'],
  KIND_OBJECTIVE_WITHOUT_STRATEGY: ['Objectives without a strategy', 'Say how the objective will be reached.'],
  KIND_STRATEGY_WITHOUT_TACTIC: ['Strategies without a tactic', 'Add the work that carries the strategy out.'],
  KIND_OWNER_TEAM_DELETED: ['Elements whose owner team was deleted', 'Give them a live owner team.'],
  KIND_PAST_HORIZON_STILL_ACTIVE: ['Elements past their horizon, still open', 'Mark them done or dropped, or extend their horizon.'],
  KIND_THEMATIC_GOAL_WITHOUT_DEFINING_OBJECTIVES: ['Thematic goals without defining objectives', 'Add the objectives that make up the goal.'],
  KIND_DEFINING_OBJECTIVE_PAST_THEMATIC_GOAL: ['Defining objectives still open after their thematic goal', 'Close them, or carry them into the next thematic goal.'],
  KIND_SUPPORTS_UNAVAILABLE: ['Supporting what another organisation closed', 'Another organisation deleted, finished or dropped what these serve: point them elsewhere.'],
  KIND_LINK_REQUEST_UNANSWERED: ['Link requests waiting more than a week', 'Accept or decline them on the overview.'],
};

export async function render(el, { params }) {
  const [org] = params;
  const body = h('div', { id: 'report' });
  el.append(h('h1', {}, 'Integrity report'), body);
  const load = async () => {
    const report = await api.get(`/v1/organisations/${org}/integrityReport`);
    const findings = report.findings || [];
    const byKind = new Map();
    for (const f of findings) {
      if (!byKind.has(f.kind)) byKind.set(f.kind, []);
      byKind.get(f.kind).push(f);
    }
    body.replaceChildren(
      h('p', { class: 'summary' }, findings.length ? `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}.` : 'Nothing is missing or wrong in this plan.'),
      ...[...byKind].map(([kind, list]) => {
        const [heading, advice] = KINDS[kind] || [kind, ''];
        return h('section', { class: 'card finding' },
          h('h2', {}, `${heading} (${list.length})`),
          advice ? h('p', { class: 'muted' }, advice) : null,
          h('ul', {}, list.map((f) => h('li', {}, h('a', { href: `#/o/${org}/map?el=${idOf(f.element)}` }, f.title || idOf(f.element))))));
      }));
  };
  await load();
  return { refresh: load };
}
