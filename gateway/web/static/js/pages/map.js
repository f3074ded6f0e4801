// Strategy map: the whole VMOST plan coloured by health (and saying it in
// words), filtered by team and status, as a map of columns of cards with
// their links and the other organisations linked to it (mapview.js), or as
// a collapsible tree list (view=list). Choosing an element shows its golden
// thread up to the vision, its KPIs, and, for those whose role allows,
// forms to change it and to add an element.
import { h, replace } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { asOfField, dayOf, endOfDay } from '../asof.js';
import { tree } from '../tree.js';
import { strategyMap, lineKey } from '../mapview.js';
import { directory } from '../people.js';
import { discussion } from '../discussion.js';
import { history, changeList } from '../history.js';
import { cycleText } from '../cycles.js';
import {
  healthBadge, healthTone, kpiBadge, levelName, statusName, kindName, isoDate, protoDate, idOf,
  formatNumber, checkInNote, checkInFrequencyName, when, today, LEVELS, STATUSES, OBJECTIVE_KINDS, CHECK_IN_FREQUENCIES,
} from '../format.js';

export const name = 'map';
export const title = 'Strategy map';

export async function render(el, { params, query, session, navigate }) {
  const [org] = params;
  const role = session.role(org);
  const filters = {
    team: query.get('team') || '',
    statuses: (query.get('status') || '').split(',').filter((x) => STATUSES.includes(x)),
    // The plan as it stood at the end of a past day, and the changes since
    // a day, both YYYY-MM-DD.
    asOf: dayOf(query.get('as_of')),
    since: dayOf(query.get('since')),
    // A planning cycle's part of the plan, by id; a closed one as it ended.
    cycle: query.get('cycle') || '',
  };
  const state = { expanded: null, selected: query.get('el') || '', view: query.get('view') === 'list' ? 'list' : 'map' };
  let teams = [];
  let elements = [];
  let cycles = [];
  let plan = null; // the latest tree, drawn by either view

  const teamSelect = h('select', { id: 'filter-team' });
  const cycleSelect = h('select', { id: 'filter-cycle' });
  const statusBoxes = STATUSES.map((st) => {
    const id = `filter-${st}`;
    return h('label', { class: 'check', for: id },
      h('input', { type: 'checkbox', id, value: st, checked: filters.statuses.includes(st) }), ` ${statusName(st)}`);
  });
  const { input: asOfInput, field: asOfPicker } = asOfField('filter-as-of', filters.asOf, 'the plan');
  const sinceInput = h('input', { type: 'date', id: 'filter-since', value: filters.since, max: isoDate(today()) });
  const filterForm = h('form', { class: 'filters', 'aria-label': 'Filter the map' },
    h('div', { class: 'field' }, h('label', { for: 'filter-team' }, 'Team'), teamSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-cycle' }, 'Cycle'), cycleSelect),
    asOfPicker,
    h('div', { class: 'field' }, h('label', { for: 'filter-since' }, 'What changed since'), sinceInput),
    h('fieldset', {}, h('legend', {}, 'Status'), statusBoxes),
    h('div', { class: 'tree-buttons', hidden: state.view !== 'list' },
      h('button', { type: 'button', onclick: () => treeEl && treeEl.expandAll(true) }, 'Expand all'),
      h('button', { type: 'button', onclick: () => treeEl && treeEl.expandAll(false) }, 'Collapse all')));
  filterForm.addEventListener('submit', (ev) => ev.preventDefault());
  filterForm.addEventListener('change', async () => {
    filters.team = teamSelect.value;
    filters.cycle = cycleSelect.value;
    filters.statuses = statusBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    const past = filters.asOf;
    filters.asOf = dayOf(asOfInput.value);
    filters.since = dayOf(sinceInput.value);
    syncAddress();
    await loadTree();
    if (past !== filters.asOf) await showDetail(state.selected);
  });

  const viewButtons = [['map', 'Map'], ['list', 'List']].map(([v, words]) => h('button', {
    type: 'button', 'data-view': v, 'aria-pressed': String(state.view === v), onclick: () => showView(v),
  }, words));
  const treeBox = h('div', { class: 'tree-box', id: 'map-tree', hidden: state.view !== 'list' });
  const board = h('div', { class: 'map-board', id: 'map-board', role: 'group', 'aria-label': 'Strategy map', 'aria-describedby': 'map-keys', hidden: state.view !== 'map' });
  const detail = h('section', { class: 'detail card', id: 'detail', 'aria-label': 'Selected element' });
  const mapHelp = h('div', { class: 'map-help', hidden: state.view !== 'map' }, h('p', { class: 'legend' }, lineKey()),
    h('p', { class: 'muted small', id: 'map-keys' }, 'Point at or focus a card to light its golden thread. In the map, the arrow keys move: up and down a column, '
      + 'left and right along the links. Enter, or a click, shows an element\'s details after the map.'));
  const legend = h('p', { class: 'legend' }, 'Health: ', healthBadge('HEALTH_ON_TRACK'), ' ', healthBadge('HEALTH_AT_RISK'), ' ',
    healthBadge('HEALTH_OFF_TRACK'), ' ', healthBadge('HEALTH_UNKNOWN'));
  const split = h('div', { class: ['split', state.view === 'map' && 'map-mode'] }, treeBox, board, detail);
  // Where the plan shown is a past one, and what changed since a day.
  const pastNote = h('p', { class: 'past-note', role: 'status' });
  const changes = h('section', { class: 'card comparison', id: 'comparison', 'aria-labelledby': 'comparison-title', hidden: true });
  // The report pack of the plan as the filters choose it (team, cycle,
  // day), to hand to a committee: a PDF, or a page to open in a browser.
  const packStatus = h('span', { class: 'muted', role: 'status' });
  const downloadPack = async (accept, ext) => {
    const q = new URLSearchParams();
    if (filters.team) q.set('team', filters.team);
    const cycle = cycles.find((c) => idOf(c.name) === filters.cycle);
    if (cycle) q.set('cycle', cycle.name);
    if (filters.asOf) q.set('as_of', endOfDay(filters.asOf));
    packStatus.textContent = 'Making the report pack…';
    try {
      await api.download(`/v1/organisations/${org}:report?${q}`, `${org}-report-pack.${ext}`, accept);
      packStatus.textContent = `Report pack downloaded (${ext.toUpperCase()}).`;
    } catch (err) {
      packStatus.textContent = `The report pack could not be made: ${err.message}`;
    }
  };
  const packBar = h('p', { class: 'pack-bar' },
    h('button', { type: 'button', id: 'pack-pdf', onclick: () => downloadPack('application/pdf', 'pdf') }, 'Report pack (PDF)'), ' ',
    h('button', { type: 'button', id: 'pack-html', onclick: () => downloadPack('text/html', 'html') }, 'Report pack (web page)'), ' ', packStatus);
  el.append(h('h1', {}, 'Strategy map'), filterForm, packBar, pastNote, changes,
    h('div', { class: 'view-bar' }, h('div', { class: 'view-switch', role: 'group', 'aria-label': 'Show the plan as' }, viewButtons), legend),
    mapHelp, split);
  let treeEl = null;
  let mapEl = null;

  // address is this page's address with the filters, the view and the
  // chosen element (the selected one unless given '', for none).
  const address = (chosen = state.selected) => {
    const q = new URLSearchParams();
    if (filters.team) q.set('team', idOf(filters.team));
    if (filters.statuses.length) q.set('status', filters.statuses.join(','));
    if (filters.cycle) q.set('cycle', filters.cycle);
    if (filters.asOf) q.set('as_of', filters.asOf);
    if (filters.since) q.set('since', filters.since);
    if (state.view === 'list') q.set('view', 'list');
    if (chosen) q.set('el', chosen);
    const qs = q.toString();
    return `#/o/${org}/map${qs ? `?${qs}` : ''}`;
  };
  const syncAddress = () => navigate(address(), { replaceEntry: true });

  function showView(v) {
    if (v === state.view) return;
    state.view = v;
    for (const b of viewButtons) b.setAttribute('aria-pressed', String(b.dataset.view === v));
    treeBox.hidden = v !== 'list';
    board.hidden = v !== 'map';
    mapHelp.hidden = v !== 'map';
    filterForm.querySelector('.tree-buttons').hidden = v !== 'list';
    split.classList.toggle('map-mode', v === 'map');
    const close = detail.querySelector('.detail-head a');
    if (close) close.href = address('');
    syncAddress();
    drawPlan();
  }

  const label = (e) => h('span', { class: 'node-label' },
    h('span', { class: 'level' }, e.level === 'LEVEL_OBJECTIVE' && e.objective_kind ? kindName(e.objective_kind) : levelName(e.level)),
    ' ', h('span', { class: 'title' }, e.title), ' ', healthBadge(e.health),
    h('span', { class: 'meta' }, ` ${statusName(e.status)} · ${e.progress || 0}%`), ' ', checkInNote(e));
  const toNodes = (ns) => (ns || []).map((n) => ({
    id: idOf(n.element.name), label: label(n.element), tone: healthTone(n.element.health), children: toNodes(n.children),
  }));

  async function loadTree() {
    const q = new URLSearchParams();
    if (filters.team) q.set('owner_team', filters.team);
    for (const st of filters.statuses) q.append('statuses', st);
    if (filters.asOf) q.set('as_of', endOfDay(filters.asOf));
    const cycle = cycles.find((c) => idOf(c.name) === filters.cycle);
    if (cycle) q.set('cycle', cycle.name);
    plan = await api.get(`/v1/organisations/${org}/elements:tree?${q}`);
    pastNote.textContent = [
      cycle && cycle.state === 'STATE_CLOSED' ? `${cycle.display_name} closed ${when(cycle.close_time)}: its elements as they ended.` : '',
      filters.asOf ? `The plan as it stood at the end of ${filters.asOf}, to read: clear “As of” to change it.` : '',
    ].filter(Boolean).join(' ');
    drawPlan();
    await loadComparison();
  }

  // loadComparison lists what changed in the plan from the start of the
  // day since to the end of the day shown (today: now).
  async function loadComparison() {
    changes.hidden = !filters.since;
    if (!filters.since) return;
    const q = new URLSearchParams({ from_time: `${filters.since}T00:00:00Z` });
    if (filters.asOf) q.set('to_time', endOfDay(filters.asOf));
    let c;
    try {
      c = await api.get(`/v1/organisations/${org}/elements:compare?${q}`);
    } catch (err) {
      replace(changes, h('h2', { id: 'comparison-title' }, 'What changed'), h('p', { class: 'error' }, err.message));
      return;
    }
    const link = (name, title) => h('a', { href: address(idOf(name)) }, title);
    const list = (items, empty, item) => (items && items.length ? h('ul', {}, items.map((x) => h('li', {}, item(x)))) : h('p', { class: 'muted' }, empty));
    replace(changes, h('h2', { id: 'comparison-title' }, `What changed from ${filters.since} to ${filters.asOf || 'today'}`),
      h('h3', {}, 'New'), list(c.added, 'Nothing new.', (e) => [link(e.name, e.title), h('span', { class: 'muted' }, ` ${levelName(e.level)}`)]),
      h('h3', {}, 'Gone'), list(c.removed, 'Nothing gone.', (e) => [e.title, h('span', { class: 'muted' }, ` ${levelName(e.level)}`)]),
      h('h3', {}, 'Changed'), list(c.changed, 'Nothing changed.', (d) => [link(d.element, d.title), changeList(d)]));
  }

  // drawPlan shows the latest tree in the chosen view, keeping the focus
  // on the element that had it.
  function drawPlan() {
    const empty = () => h('p', {}, filters.team || filters.statuses.length ? 'Nothing matches these filters.' : 'The plan is empty.');
    if (mapEl) mapEl.dispose();
    mapEl = null;
    if (state.view === 'map') {
      const hadFocus = board.contains(document.activeElement) ? document.activeElement.dataset.name : null;
      treeEl = null;
      replace(treeBox);
      if (!(plan.roots || []).length) {
        replace(board, empty());
        return;
      }
      mapEl = strategyMap(plan, { org, selected: state.selected, onSelect: select });
      replace(board, mapEl);
      if (hadFocus) mapEl.focusCard(hadFocus);
      return;
    }
    replace(board);
    const nodes = toNodes(plan.roots);
    if (state.expanded === null) {
      // At first, everything is open: the whole thread at a glance.
      state.expanded = new Set();
      const walk = (ns) => ns.forEach((n) => { state.expanded.add(n.id); walk(n.children); });
      walk(nodes);
    }
    const hadFocus = treeEl && treeEl.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    treeEl = tree(nodes, { label: 'Strategy map', state, onSelect: (id) => { syncAddress(); showDetail(id); } });
    replace(treeBox, nodes.length ? treeEl : empty());
    if (hadFocus) treeEl.focusNode(hadFocus);
  }

  // select shows the element chosen on the map; its details come after
  // the map, out of sight on most screens, so the status region says so.
  async function select(id) {
    state.selected = id;
    syncAddress();
    await showDetail(id);
    const title = detail.querySelector('#detail-title');
    if (title) document.getElementById('live').textContent = `${title.textContent}: its details follow the map.`;
  }

  let viewersMayComment = false;
  // A team lead below planner plans the strategies and tactics of their
  // remit — the teams they lead and those under them — under parents those
  // teams own (the planning service's delegated planning).
  let remit = [];
  const person = session.person(org);
  const DELEGATED = ['LEVEL_STRATEGY', 'LEVEL_TACTIC'];
  const leads = (e) => role < 3 && DELEGATED.includes(e.level) && remit.includes(e.owner_team);
  async function loadRemit() {
    if (role >= 3 || !person) return;
    const led = (await api.all(`/v1/organisations/${org}/teams/-/members?filter=${encodeURIComponent(`person = "${person}" AND role = ROLE_LEAD`)}`, 'members'))
      .map((m) => m.name.split('/members/')[0]);
    remit = teams.filter((t) => { for (let x = t; x; x = teams.find((u) => u.name === x.parent_team)) if (led.includes(x.name)) return true; return false; })
      .map((t) => t.name);
  }
  // What the caller may do beyond their role is read once per visit: the
  // forms it shapes are built once per selection anyway, and a live
  // refresh need not ask again.
  async function loadSettings() {
    const organisation = await api.get(`/v1/organisations/${org}`);
    viewersMayComment = Boolean(organisation.viewers_may_comment);
    await loadRemit();
  }
  async function loadLists() {
    [teams, elements, cycles] = await Promise.all([
      api.all(`/v1/organisations/${org}/teams`, 'teams'),
      api.all(`/v1/organisations/${org}/elements`, 'elements'),
      api.all(`/v1/organisations/${org}/cycles`, 'cycles'),
    ]);
    replace(cycleSelect, h('option', { value: '' }, 'The whole plan'),
      cycles.map((c) => h('option', { value: idOf(c.name), selected: idOf(c.name) === filters.cycle }, cycleText(c))));
    const chosen = filters.team;
    replace(teamSelect, h('option', { value: '' }, 'All teams'),
      teams.map((t) => h('option', { value: t.name, selected: t.name === chosen || idOf(t.name) === chosen }, t.display_name)));
    if (chosen && !chosen.includes('/')) filters.team = `organisations/${org}/teams/${chosen}`;
  }

  // The detail panel: the element's facts, thread and KPIs are refreshed
  // when something changes; its forms are built once per selection, so
  // that nobody loses what they are typing.
  const facts = h('div', { class: 'facts' });
  let shown = '';
  async function loadFacts(id) {
    const nameOf = `organisations/${org}/elements/${id}`;
    const [thread, kpiList, checkIns] = await Promise.all([
      api.get(`/v1/${nameOf}:thread`),
      api.all(`/v1/organisations/${org}/kpis?filter=${encodeURIComponent(`element = "${nameOf}"`)}`, 'kpis'),
      api.get(`/v1/${nameOf}/checkIns?page_size=5`).then((r) => r.check_ins || []),
    ]);
    // A check-in names its author when a person posted it; an API token
    // is named by its actor.
    const who = await directory(org, session).names(checkIns.map((c) => c.author || c.update_actor));
    const e = thread.elements[0];
    // How each element of the thread is reached from below, where it is
    // not only as a parent: a defining objective's thematic goal, or an
    // element supported.
    const via = (x) => {
      const kinds = new Set((thread.edges || []).filter((d) => d.to === x.name).map((d) => d.kind));
      if (kinds.has('LINK_KIND_THEMATIC_GOAL')) return ' thematic goal';
      if (kinds.has('LINK_KIND_SUPPORTS') && !kinds.has('LINK_KIND_PARENT')) return ' supported';
      return '';
    };
    const teamName = (teams.find((t) => t.name === e.owner_team) || {}).display_name || idOf(e.owner_team);
    // What below makes this element's health: each by title, where the
    // caller may read it, and by its organisation when that is another.
    const titleOf = await api.titles((e.health_drivers || []).map((d) => d.element));
    const drivers = (e.health_drivers || []).map((d) => ({ ...d, title: titleOf[d.element] }));
    const linkWord = { LINK_KIND_PARENT: 'part of it', LINK_KIND_THEMATIC_GOAL: 'defines it', LINK_KIND_SUPPORTS: 'supports it' };
    replace(facts,
      h('p', { class: 'muted' }, `${levelName(e.level)}${e.objective_kind ? ` — ${kindName(e.objective_kind)}` : ''}`),
      h('p', {}, healthBadge(e.health), ` ${statusName(e.status)}, ${e.progress || 0}% done`),
      drivers.length ? h('div', { class: 'drivers' }, h('p', { class: 'label' }, 'Health from'), h('ul', {}, drivers.map((d) => {
        const dOrg = d.element.split('/')[1];
        return h('li', {}, d.title ? h('a', { href: `#/o/${dOrg}/map?el=${idOf(d.element)}` }, d.title) : idOf(d.element), ' ',
          h('span', { class: 'muted' }, `(${dOrg === org ? '' : `${dOrg}, `}${linkWord[d.link] || ''})`), ' ', healthBadge(d.health));
      }))) : null,
      h('dl', { class: 'props' },
        h('dt', {}, 'Owner'), h('dd', {}, teamName),
        h('dt', {}, 'Horizon'), h('dd', {}, `${isoDate(e.start_date)} to ${isoDate(e.end_date)}`),
        e.cycle ? [h('dt', {}, 'Cycle'), h('dd', {}, (cycles.find((c) => c.name === e.cycle) || { display_name: idOf(e.cycle) }).display_name)] : null,
        e.predecessor ? [h('dt', {}, 'Continues'), h('dd', {}, h('a', { href: address(idOf(e.predecessor)) }, idOf(e.predecessor)))] : null,
        e.description ? [h('dt', {}, 'Description'), h('dd', {}, e.description)] : null),
      h('h3', {}, 'Golden thread'),
      h('ol', { class: 'thread', 'aria-label': 'Golden thread, from the vision down to this element' },
        [...thread.elements].reverse().map((x) => h('li', { class: `tone-${healthTone(x.health)}` },
          h('span', { class: 'level' }, levelName(x.level), via(x)), ' ',
          x.name === e.name ? h('strong', { 'aria-current': 'true' }, x.title)
            : (thread.restricted || []).includes(x.name)
              ? h('span', { class: 'muted' }, `an element of ${x.name.split('/')[1]}, not shared with you`)
              : h('a', { href: `#/o/${x.name.split('/')[1]}/map?el=${idOf(x.name)}` }, x.title),
          ' ', healthBadge(x.health), ' ', checkInNote(x)))),
      h('h3', {}, 'Check-ins'),
      e.check_in_frequency ? h('p', { class: 'muted' }, `${checkInFrequencyName(e.check_in_frequency)}; next due ${when(e.check_in_due_time)}.`) : null,
      checkIns.length ? h('ol', { class: 'check-ins', 'aria-label': 'Check-ins, newest first' }, checkIns.map((c) => h('li', { class: 'check-in' },
        h('p', {}, h('strong', {}, who(c.author || c.update_actor)), ` on ${when(c.create_time)}: `,
          healthBadge(c.assessment), c.progress !== undefined ? ` ${c.progress}% done` : ''),
        h('p', {}, c.summary),
        c.next_steps ? h('p', {}, h('span', { class: 'label' }, 'Next: '), c.next_steps) : null,
        c.blockers ? h('p', {}, h('span', { class: 'label' }, 'Help needed: '), c.blockers) : null,
        replies(c.name))))
        : h('p', { class: 'muted' }, 'No check-in yet.'),
      h('h3', {}, 'KPIs'),
      kpiList.length
        ? h('ul', { class: 'kpi-list' }, kpiList.map((k) => h('li', {},
          h('a', { href: `#/o/${org}/kpis/${idOf(k.name)}` }, k.title), ' ', kpiBadge(k.status, k.closure),
          k.latest_period_end ? h('span', { class: 'muted' }, ` latest ${formatNumber(k.latest_value, k.unit)} for ${isoDate(k.latest_period_end)}`) : null)))
        : h('p', { class: 'muted' }, 'No KPI measures this element.'));
    return e;
  }

  async function showDetail(id) {
    if (id && filters.asOf) {
      await showPastDetail(id);
      return;
    }
    if (!id) {
      replace(detail, h('h2', {}, 'Choose an element'), h('p', { class: 'muted' }, 'Choose an element of the map to see its golden thread and KPIs.'), newElementForm(null));
      shown = '';
      return;
    }
    let e;
    try {
      e = await loadFacts(id);
    } catch (err) {
      replace(detail, h('h2', {}, 'Not found'), h('p', { class: 'error' }, err.message));
      return;
    }
    shown = id;
    replace(detail, h('div', { class: 'detail-head' }, h('h2', { id: 'detail-title' }, e.title),
      h('a', { href: address(''), 'aria-label': 'Close: choose no element' }, 'Close')), facts,
      elementDiscussion(e), elementHistory(e), role >= 2 ? checkInForm(e) : null, role >= 2 ? editForm(e) : null, role >= 3 ? linkForm(e) : null, e.level === 'LEVEL_TACTIC' ? null : newElementForm(e));
  }

  // showPastDetail shows an element as it stood at the end of the day
  // shown, with its history: nothing to change in a past plan.
  async function showPastDetail(id) {
    const name = `organisations/${org}/elements/${id}`;
    let e;
    let thread;
    try {
      const at = encodeURIComponent(endOfDay(filters.asOf));
      [e, thread] = await Promise.all([api.get(`/v1/${name}?as_of=${at}`), api.get(`/v1/${name}:thread?as_of=${at}`)]);
    } catch (err) {
      replace(detail, h('h2', {}, 'Not in the plan then'), h('p', { class: 'error' }, err.message));
      return;
    }
    shown = id;
    const teamName = (teams.find((t) => t.name === e.owner_team) || {}).display_name || idOf(e.owner_team);
    replace(detail, h('div', { class: 'detail-head' }, h('h2', { id: 'detail-title' }, e.title),
      h('a', { href: address(''), 'aria-label': 'Close: choose no element' }, 'Close')),
    h('p', { class: 'muted' }, `As it stood at the end of ${filters.asOf}: ${levelName(e.level)}${e.objective_kind ? ` — ${kindName(e.objective_kind)}` : ''}`),
    h('p', {}, healthBadge(e.health), ` ${statusName(e.status)}, ${e.progress || 0}% done`),
    h('dl', { class: 'props' },
      h('dt', {}, 'Owner'), h('dd', {}, teamName),
      h('dt', {}, 'Horizon'), h('dd', {}, `${isoDate(e.start_date)} to ${isoDate(e.end_date)}`)),
    h('h3', {}, 'Golden thread then'),
    h('ol', { class: 'thread', 'aria-label': 'Golden thread then, from the vision down to this element' },
      [...thread.elements].reverse().map((x) => h('li', { class: `tone-${healthTone(x.health)}` },
        h('span', { class: 'level' }, levelName(x.level)), ' ', x.name === e.name ? h('strong', { 'aria-current': 'true' }, x.title) : x.title,
        ' ', healthBadge(x.health)))),
    elementHistory(e));
  }

  // Each check-in's discussion, folded away, kept across refreshes of the
  // facts so that nobody loses what they are typing or the fold.
  const talks = new Map();
  const replies = (name) => {
    if (!talks.has(name)) {
      talks.set(name, h('details', { class: 'replies' }, h('summary', {}, 'Discussion of this check-in'),
        discussion({ org, parent: name, session, mayComment: role >= 2 || viewersMayComment, title: 'Replies', level: 4 }).el));
    }
    return talks.get(name);
  };

  // The element's history, kept across refreshes of the facts (and its
  // fold with it), reloaded with them while open.
  const histories = new Map();
  function elementHistory(e) {
    if (!histories.has(e.name)) histories.set(e.name, history({ org, resource: e.name, session, mayRestore: role >= 2, onRestore: refresh }));
    const panel = histories.get(e.name);
    panel.load().catch(() => {});
    return panel.el;
  }

  // The element's discussion, refreshed with the facts; its forms are
  // built once per selection.
  let loadComments = async () => {};
  function elementDiscussion(e) {
    const d = discussion({ org, parent: e.name, session, mayComment: role >= 2 || viewersMayComment });
    loadComments = d.load;
    return d.el;
  }

  // checkInForm posts the owners' account of how the element is going.
  function checkInForm(e) {
    const fields = [
      { name: 'assessment', label: 'How is it going?', type: 'select', required: true, value: e.health === 'HEALTH_UNKNOWN' ? 'HEALTH_ON_TRACK' : e.health,
        options: [['HEALTH_ON_TRACK', 'On track'], ['HEALTH_AT_RISK', 'At risk'], ['HEALTH_OFF_TRACK', 'Off track']] },
      { name: 'summary', label: 'What happened', type: 'textarea', required: true },
      { name: 'next_steps', label: 'What comes next', type: 'textarea' },
      { name: 'blockers', label: 'Where we need help', type: 'textarea' },
      { name: 'public', label: 'Who may read it', type: 'select', value: 'false',
        options: [['false', 'The organisation'], ['true', 'The public too, where the plan is published']],
        hint: 'The public read only how it is going, what happened and when: not who wrote it, what comes next or where you need help.' },
    ];
    if (e.level === 'LEVEL_TACTIC') fields.splice(1, 0, { name: 'progress', label: 'Progress (%)', type: 'number', min: 0, max: 100, value: e.progress || 0 });
    return form({
      title: 'Post a check-in',
      submit: 'Post the check-in',
      clearOnSuccess: ['summary', 'next_steps', 'blockers'],
      fields,
      async onSubmit(v) {
        const body = { assessment: v.assessment, summary: v.summary, next_steps: v.next_steps, blockers: v.blockers, public: v.public === 'true' };
        if (e.level === 'LEVEL_TACTIC' && v.progress !== undefined) body.progress = v.progress;
        await api.post(`/v1/${e.name}/checkIns`, body);
        await refresh();
        return 'Checked in.';
      },
    });
  }

  // cycleField chooses an element's planning cycle: an open one, or the
  // one it is in (closed or not).
  const cycleField = (value) => ({
    name: 'cycle', label: 'Planning cycle', type: 'select', value: value || '',
    options: [['', 'None: the ongoing plan'], ...cycles.filter((c) => c.state === 'STATE_OPEN' || c.name === value).map((c) => [c.name, cycleText(c)])],
  });

  function editForm(e) {
    const planner = role >= 3 || leads(e);
    const tactic = e.level === 'LEVEL_TACTIC';
    const fields = [];
    if (planner) fields.push({ name: 'title', label: 'Title', required: true, value: e.title });
    fields.push({ name: 'status', label: 'Status', type: 'select', value: e.status, options: STATUSES.map((st) => [st, statusName(st)]) });
    if (tactic) fields.push({ name: 'progress', label: 'Progress (%)', type: 'number', min: 0, max: 100, value: e.progress || 0 });
    if (planner) {
      fields.push(
        { name: 'owner_team', label: 'Owner team', type: 'select', value: e.owner_team,
          options: teams.filter((t) => role >= 3 || remit.includes(t.name)).map((t) => [t.name, t.display_name]) },
        { name: 'start_date', label: 'Start', type: 'date', value: isoDate(e.start_date) },
        { name: 'end_date', label: 'End', type: 'date', value: isoDate(e.end_date) },
        { name: 'description', label: 'Description', type: 'textarea', value: e.description || '' },
        { name: 'check_in_frequency', label: 'Check-ins', type: 'select', value: e.check_in_frequency || 'CHECK_IN_FREQUENCY_UNSPECIFIED',
          options: CHECK_IN_FREQUENCIES.map((f) => [f, f === 'CHECK_IN_FREQUENCY_UNSPECIFIED' ? 'Never asked' : checkInFrequencyName(f)]) },
        cycleField(e.cycle),
      );
      if (e.level !== 'LEVEL_VISION') {
        fields.push({ name: 'supports', label: 'Also supports', type: 'textarea', list: true, value: (e.supports || []).join('\n'),
          hint: 'Elements of a higher level this one also serves, one name per line: of this organisation, of one that owns it, '
            + 'or of a partner that accepted a link request (e.g. organisations/northvale/elements/vision).' });
      }
    }
    return form({
      title: 'Change this element',
      submit: 'Save changes',
      fields,
      async onSubmit(v) {
        const current = await api.get(`/v1/${e.name}`);
        current.check_in_frequency ||= 'CHECK_IN_FREQUENCY_UNSPECIFIED'; // JSON leaves the default out
        const body = {};
        const mask = [];
        for (const f of fields) {
          let value = v[f.name];
          if (f.type === 'date') value = protoDate(value);
          if (f.list) value = value.split(/\s+/).filter(Boolean);
          let before = f.type === 'date' ? isoDate(current[f.name]) : current[f.name] ?? (f.type === 'number' ? 0 : '');
          let after = f.type === 'date' ? isoDate(value) : value;
          if (f.list) [before, after] = [[...(before || [])].sort().join(' '), [...after].sort().join(' ')];
          if (String(before) !== String(after)) {
            body[f.name] = value;
            mask.push(f.name);
          }
        }
        if (!mask.length) return 'Nothing to change.';
        await api.patch(`/v1/${e.name}?update_mask=${mask.join(',')}`, body);
        await refresh();
        return 'Saved.';
      },
    });
  }

  // linkForm asks a partner organisation to let this element support one
  // of its elements: a link request its planners accept or decline.
  function linkForm(e) {
    return form({
      title: 'Ask another organisation to link',
      submit: 'Send the request',
      resetOnSuccess: true,
      fields: [
        { name: 'target', label: 'Their element', required: true, hint: 'Its name, e.g. organisations/northshire-care/elements/vision.' },
        { name: 'message', label: 'Why', type: 'textarea' },
      ],
      async onSubmit(v) {
        const asked = v.target.trim().split('/').slice(0, 2).join('/');
        const r = await api.post(`/v1/${asked}/linkRequests`, { element: e.name, target: v.target.trim(), message: v.message });
        return `Asked ${asked.split('/')[1]}; the request is ${r.state === 'STATE_PENDING' ? 'waiting for their planners' : r.state}.`;
      },
    });
  }

  function newElementForm(selected) {
    const below = selected ? LEVELS[LEVELS.indexOf(selected.level) + 1] : 'LEVEL_VISION';
    // A lead adds the next level under what their teams own.
    const lead = role < 3 && selected && DELEGATED.includes(below) && remit.includes(selected.owner_team);
    if (role < 3 && !lead) return null;
    const ownerTeams = teams.filter((t) => !lead || remit.includes(t.name));
    const parentOptions = (level) => {
      const up = LEVELS[LEVELS.indexOf(level) - 1];
      return elements.filter((x) => x.level === up && (!lead || remit.includes(x.owner_team))).map((x) => [x.name, x.title]);
    };
    const goals = () => elements.filter((x) => x.objective_kind === 'OBJECTIVE_KIND_THEMATIC_GOAL').map((x) => [x.name, x.title]);
    const f = form({
      title: selected ? 'Add an element' : 'New element',
      submit: 'Create element',
      resetOnSuccess: false,
      fields: [
        { name: 'level', label: 'Level', type: 'select', value: below, options: (lead ? [below] : LEVELS).map((l) => [l, levelName(l)]) },
        { name: 'objective_kind', label: 'Kind of objective', type: 'select', options: OBJECTIVE_KINDS.map((k) => [k, kindName(k)]), show: (v) => v.level === 'LEVEL_OBJECTIVE' },
        { name: 'title', label: 'Title', required: true },
        { name: 'parent', label: 'Parent', type: 'select', value: selected ? selected.name : '', options: parentOptions(below), show: (v) => v.level !== 'LEVEL_VISION' },
        { name: 'thematic_goal', label: 'Thematic goal', type: 'select', options: goals(), show: (v) => v.level === 'LEVEL_OBJECTIVE' && v.objective_kind === 'OBJECTIVE_KIND_DEFINING_OBJECTIVE' },
        { name: 'owner_team', label: 'Owner team', type: 'select', value: selected ? selected.owner_team : '', options: ownerTeams.map((t) => [t.name, t.display_name]) },
        { name: 'start_date', label: 'Start', type: 'date', required: true, value: selected ? isoDate(selected.start_date) : '' },
        { name: 'end_date', label: 'End', type: 'date', required: true, value: selected ? isoDate(selected.end_date) : '' },
        { name: 'status', label: 'Status', type: 'select', value: 'STATUS_ACTIVE', options: STATUSES.map((st) => [st, statusName(st)]) },
        { name: 'progress', label: 'Progress (%)', type: 'number', min: 0, max: 100, show: (v) => v.level === 'LEVEL_TACTIC' },
        cycleField(''),
        { name: 'element_id', label: 'Id', hint: 'Optional, e.g. train-trainers.' },
      ],
      async onSubmit(v) {
        const body = {
          level: v.level, title: v.title, owner_team: v.owner_team, status: v.status,
          start_date: protoDate(v.start_date), end_date: protoDate(v.end_date),
        };
        if (v.level !== 'LEVEL_VISION') body.parent = v.parent;
        if (v.level === 'LEVEL_OBJECTIVE') body.objective_kind = v.objective_kind;
        if (v.level === 'LEVEL_OBJECTIVE' && v.objective_kind === 'OBJECTIVE_KIND_DEFINING_OBJECTIVE') body.thematic_goal = v.thematic_goal;
        if (v.level === 'LEVEL_TACTIC' && v.progress !== undefined) body.progress = v.progress;
        if (v.cycle) body.cycle = v.cycle;
        const q = v.element_id ? `?element_id=${encodeURIComponent(v.element_id)}` : '';
        const created = await api.post(`/v1/organisations/${org}/elements${q}`, body);
        if (state.expanded) { // the list shows what was added, open, once it has been drawn
          state.expanded.add(idOf(created.name));
          if (selected) state.expanded.add(idOf(selected.name));
        }
        await refresh();
        return `Created ${created.title}.`;
      },
    });
    // The parent list follows the level; a chosen parent lends its horizon.
    f.addEventListener('change', (ev) => {
      const c = f.controls;
      if (ev.target === c.level) {
        replace(c.parent, parentOptions(c.level.value).map(([v, l]) => h('option', { value: v }, l)));
      }
      if (ev.target === c.level || ev.target === c.parent) {
        const p = elements.find((x) => x.name === c.parent.value);
        if (p && c.level.value !== 'LEVEL_VISION') {
          if (!c.start_date.value) c.start_date.value = isoDate(p.start_date);
          if (!c.end_date.value) c.end_date.value = isoDate(p.end_date);
        }
      }
    });
    return h('div', { class: 'new-element' }, f);
  }

  async function refresh() {
    await loadLists();
    await loadTree();
    if (filters.asOf) return; // a past plan has nothing live to refresh
    if (shown !== state.selected) {
      await showDetail(state.selected);
    } else if (shown) {
      try {
        await Promise.all([loadFacts(shown), loadComments()]);
        const t = detail.querySelector('#detail-title');
        const e = elements.find((x) => idOf(x.name) === shown);
        if (t && e) t.textContent = e.title;
      } catch {
        await showDetail('');
      }
    }
  }

  await loadLists();
  await loadSettings();
  await loadTree();
  await showDetail(state.selected);
  if (state.selected && treeEl) treeEl.focusNode(state.selected);
  if (state.selected && mapEl) mapEl.focusCard(`organisations/${org}/elements/${state.selected}`);
  return { refresh, dispose: () => mapEl && mapEl.dispose() };
}
