// The planning service's integrity report: what is missing or wrong in the
// plan, today or as it stood at the end of a past day, by kind, each
// finding linking to its element on the map.
import { h } from '../dom.js';
import * as api from '../api.js';
import { asOfField, dayOf, endOfDay } from '../asof.js';
import { idOf } from '../format.js';

export const name = 'report';
export const title = 'Integrity report';

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
  KIND_CHECK_IN_LATE: ['Check-ins late', 'Their owners were asked for a check-in that has not come.'],
};

export async function render(el, { params, query, navigate }) {
  const [org] = params;
  let asOf = dayOf(query.get('as_of'));
  const { input, field } = asOfField('report-as-of', asOf, 'the plan');
  const when = h('form', { class: 'filters', 'aria-label': 'Choose the day' }, field);
  when.addEventListener('submit', (ev) => ev.preventDefault());
  const body = h('div', { id: 'report' });
  el.append(h('h1', {}, 'Integrity report'), when, body);
  const load = async () => {
    const report = await api.get(`/v1/organisations/${org}/integrityReport${asOf ? `?as_of=${endOfDay(asOf)}` : ''}`);
    const findings = report.findings || [];
    const byKind = new Map();
    for (const f of findings) {
      if (!byKind.has(f.kind)) byKind.set(f.kind, []);
      byKind.get(f.kind).push(f);
    }
    const count = findings.length ? `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}` : '';
    body.replaceChildren(
      h('p', { class: 'summary', role: 'status' }, asOf
        ? (count ? `${count} at the end of ${asOf}.` : `Nothing was missing or wrong in the plan at the end of ${asOf}.`)
        : (count ? `${count}.` : 'Nothing is missing or wrong in this plan.')),
      ...[...byKind].map(([kind, list]) => {
        const [heading, advice] = KINDS[kind] || [kind, ''];
        const at = asOf ? `&as_of=${asOf}` : '';
        return h('section', { class: 'card finding' },
          h('h2', {}, `${heading} (${list.length})`),
          advice && !asOf ? h('p', { class: 'muted' }, advice) : null,
          h('ul', {}, list.map((f) => h('li', {}, h('a', { href: `#/o/${org}/map?el=${idOf(f.element)}${at}` }, f.title || idOf(f.element))))));
      }));
  };
  when.addEventListener('change', async () => {
    asOf = dayOf(input.value);
    navigate(`#/o/${org}/report${asOf ? `?as_of=${asOf}` : ''}`, { replaceEntry: true });
    await load();
  });
  await load();
  return { refresh: load };
}
