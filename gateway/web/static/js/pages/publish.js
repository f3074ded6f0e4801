// Working in the open: an organisation's admins publish its plan, or the
// part of it chosen teams own, as public pages anyone can read without
// signing in (/public/{organisation}) and as open data. The page previews
// which elements the public will see and links to the public page itself.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { LEVELS, levelName } from '../format.js';

export const name = 'publish';
export const title = 'Publish';

// publishedPart is what a publication shows of elements: its teams'
// elements with every element above them (parents, and a defining
// objective's thematic goal); all without teams. The planning service
// applies the same rule (publication_rules.go).
function publishedPart(teams, elements) {
  if (!teams.length) return elements;
  const byName = new Map(elements.map((e) => [e.name, e]));
  const shown = new Set();
  const above = elements.filter((e) => teams.includes(e.owner_team));
  while (above.length) {
    const e = above.pop();
    if (!e || shown.has(e.name)) continue;
    shown.add(e.name);
    above.push(byName.get(e.parent), byName.get(e.thematic_goal));
  }
  return elements.filter((e) => shown.has(e.name));
}

export async function render(el, { params, session }) {
  const [org] = params;
  const title = h('h1', { tabindex: '-1' }, 'Working in the open');
  el.append(title);
  const admin = session.role(org) >= 4;
  const settingsName = `/v1/organisations/${org}/publication`;
  const [publication, teams, elements, kpis] = await Promise.all([
    api.get(settingsName),
    api.all(`/v1/organisations/${org}/teams`, 'teams'),
    api.all(`/v1/organisations/${org}/elements`, 'elements'),
    api.all(`/v1/organisations/${org}/kpis`, 'kpis'),
  ]);
  const state = h('p', { id: 'publication-state', role: 'status' });
  const preview = h('section', { class: 'card', id: 'publication-preview', 'aria-labelledby': 'preview-title' });
  const showState = (p) => {
    replace(state, p.published
      ? ['Published as ', h('strong', {}, p.display_name), ': ', h('a', { href: `/public/${org}`, target: '_blank', rel: 'noopener' }, 'open the public page'),
        ' (anyone can read it, without signing in), and its open data: ', h('a', { href: `/public/${org}/plan.json` }, 'the plan'), ' and ',
        h('a', { href: `/public/${org}/kpis.csv` }, 'the KPIs\' values'), '.']
      : 'Not published: nothing of this organisation is public.');
  };
  const showPreview = (chosen, chosenKpis) => {
    const part = publishedPart(chosen, [...elements].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level)));
    const shown = new Set(part.map((e) => e.name));
    const measures = kpis.filter((k) => shown.has(k.element) && (!chosenKpis.length || chosenKpis.includes(k.name)));
    replace(preview, h('h2', { id: 'preview-title' }, 'What the public will see'),
      h('p', { class: 'muted' }, `${part.length} of the plan's ${elements.length} elements, with their status, health and progress, `
        + `and ${measures.length} KPIs with their values. Never people, check-ins, comments, notes or who changed what.`),
      h('ul', {}, part.map((e) => h('li', {}, h('span', { class: 'muted' }, `${levelName(e.level)}: `), e.title))),
      measures.length ? h('ul', {}, measures.map((k) => h('li', {}, h('span', { class: 'muted' }, 'KPI: '), k.title))) : null);
  };
  showState(publication);
  showPreview(publication.teams || [], publication.kpis || []);
  el.append(state, preview);
  if (!admin) {
    el.append(h('p', {}, 'Only the organisation\'s admins publish it.'));
    return null;
  }
  const settings = form({
    title: 'Publication',
    level: 2,
    submit: 'Save',
    fields: [
      { name: 'published', label: 'Public', type: 'select', value: String(Boolean(publication.published)),
        options: [['false', 'Not published'], ['true', 'Published: anyone can read it']] },
      { name: 'display_name', label: 'Public name', value: publication.display_name || '', hint: 'The name the public pages give the organisation.' },
      { name: 'teams', label: 'Teams whose part of the plan is published', type: 'checkboxes', value: publication.teams || [],
        options: teams.filter((t) => !t.delete_time).map((t) => [t.name, t.display_name]),
        hint: 'With the elements above them on the golden thread. None chosen: the whole plan.' },
      { name: 'kpis', label: 'KPIs published', type: 'checkboxes', value: publication.kpis || [],
        options: kpis.map((k) => [k.name, k.title]), hint: 'Of the published elements. None chosen: every KPI of a published element.' },
      { name: 'licence', label: 'Licence of the open data', value: publication.licence || '', hint: 'How others may reuse it, e.g. OGL-UK-3.0 or CC-BY-4.0.' },
    ],
    async onSubmit(v) {
      const next = await api.patch(`${settingsName}?update_mask=published,display_name,teams,kpis,licence`,
        { published: v.published === 'true', display_name: v.display_name, teams: v.teams, kpis: v.kpis, licence: v.licence });
      showState(next);
      showPreview(next.teams || [], next.kpis || []);
      return next.published ? 'Published.' : 'Saved; not published.';
    },
  });
  const checked = (field) => [...settings.querySelectorAll(`input[name="${field}"]:checked`)].map((i) => i.value);
  settings.addEventListener('change', () => showPreview(checked('teams'), checked('kpis')));
  el.append(h('section', { class: 'card' }, settings));
  return null;
}
