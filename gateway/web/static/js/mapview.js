// The strategy map drawn as a map: the plan's levels as columns of cards,
// the vision on the left, with the links between them drawn behind the
// cards, and the elements of other organisations linked to the plan in a
// band beneath, each in the column of its level. Hovering or focusing a
// card lights its golden thread (what it serves, up to the visions and
// across organisations, and what serves it) and dims the rest; with
// neither, the selected element's thread stays lit.
import { h, s } from './dom.js';
import { healthBadge, healthTone, levelName, kindName, statusName, idOf, checkInNote, LEVELS } from './format.js';

const COLUMN_TITLES = ['Vision', 'Mission', 'Objectives', 'Strategies', 'Tactics'];

// How each kind of link is drawn: its class on the path and the legend's
// words. A link between organisations is drawn as such whatever its kind.
const LINE_STYLES = [
  ['link-parent', 'Part of (parent)'],
  ['link-goal', 'Defines a thematic goal'],
  ['link-supports', 'Also supports'],
  ['link-across', 'Across organisations'],
];
const lineClass = (edge) => {
  if (edge.from.split('/')[1] !== edge.to.split('/')[1]) return 'link-across';
  return { LINK_KIND_THEMATIC_GOAL: 'link-goal', LINK_KIND_SUPPORTS: 'link-supports' }[edge.kind] || 'link-parent';
};

// lineKey is the legend of the line styles.
export function lineKey() {
  return h('span', { class: 'line-key' }, 'Links: ', LINE_STYLES.map(([cls, words]) => h('span', { class: 'line-key-item' },
    s('svg', { width: 36, height: 10, 'aria-hidden': 'true', focusable: 'false' }, s('path', { class: cls, d: 'M2 5 H34' })), ` ${words}`)));
}

// siblingOrder keeps the tree's order (priority rank, then title) but puts
// each defining objective right after its thematic goal when they share a
// parent, so that the link between them stays short.
function siblingOrder(nodes) {
  const names = new Set(nodes.map((n) => n.element.name));
  const out = [];
  for (const n of nodes) {
    if (names.has(n.element.thematic_goal)) continue;
    out.push(n, ...nodes.filter((d) => d.element.thematic_goal === n.element.name));
  }
  return out;
}

function cardFor(e, org, restricted) {
  const elOrg = e.name.split('/')[1];
  const here = elOrg === org;
  const attrs = {
    class: ['map-card', `tone-${healthTone(e.health)}`, here ? '' : 'other'],
    'data-name': e.name, 'data-id': here ? idOf(e.name) : undefined, tabindex: '-1',
  };
  const level = h('span', { class: 'level' }, e.level === 'LEVEL_OBJECTIVE' && e.objective_kind ? kindName(e.objective_kind) : levelName(e.level));
  const note = h('span', { class: 'visually-hidden thread-note' });
  if (restricted) {
    return h('button', { ...attrs, type: 'button', 'aria-disabled': 'true' }, h('span', { class: 'org' }, elOrg), level,
      h('span', { class: 'title' }, `An element of ${elOrg}, not shared with you`), h('span', { class: 'card-meta' }, healthBadge(e.health)), note);
  }
  const bar = h('span', {});
  bar.style.width = `${Math.min(100, e.progress || 0)}%`; // through the CSSOM: the policy forbids style attributes
  const body = [
    here ? null : h('span', { class: 'org' }, elOrg), level, h('span', { class: 'title' }, e.title),
    h('span', { class: 'card-meta' }, healthBadge(e.health), ` ${statusName(e.status)} · ${e.progress || 0}%`),
    checkInNote(e),
    h('span', { class: 'progress', 'aria-hidden': 'true' }, bar),
    note,
  ];
  return here ? h('button', { ...attrs, type: 'button' }, body)
    : h('a', { ...attrs, href: `#/o/${elOrg}/map?el=${idOf(e.name)}` }, body);
}

// strategyMap draws tree (an ElementTree of org: roots, linked, links,
// restricted). selected is the id of the chosen element of org;
// onSelect(id) is called when a card of org is chosen. It returns the
// map's element, with focusCard(name) and dispose().
export function strategyMap(tree, { org, selected, onSelect }) {
  const restricted = new Set(tree.restricted || []);
  const columns = LEVELS.map(() => []); // the plan's elements by level
  const walk = (nodes) => siblingOrder(nodes).forEach((n) => {
    const i = LEVELS.indexOf(n.element.level);
    if (i >= 0) columns[i].push(n.element);
    walk(n.children || []);
  });
  walk(tree.roots || []);
  const others = LEVELS.map((l) => (tree.linked || []).filter((e) => e.level === l));

  // The links whose both ends are on the map, each from the element below
  // to the element above.
  const onMap = new Set([...columns.flat(), ...others.flat()].map((e) => e.name));
  const edges = [];
  for (const e of columns.flat()) {
    if (onMap.has(e.parent)) edges.push({ from: e.name, to: e.parent, kind: 'LINK_KIND_PARENT' });
    if (onMap.has(e.thematic_goal)) edges.push({ from: e.name, to: e.thematic_goal, kind: 'LINK_KIND_THEMATIC_GOAL' });
    for (const up of e.supports || []) {
      if (up.split('/')[1] === org && onMap.has(up)) edges.push({ from: e.name, to: up, kind: 'LINK_KIND_SUPPORTS' });
    }
  }
  edges.push(...(tree.links || []).filter((l) => onMap.has(l.from) && onMap.has(l.to)));
  const ups = new Map();
  const downs = new Map();
  for (const e of edges) {
    ups.set(e.from, [...(ups.get(e.from) || []), e.to]);
    downs.set(e.to, [...(downs.get(e.to) || []), e.from]);
  }
  const reach = (start, next) => {
    const seen = new Set([start]);
    const todo = [start];
    while (todo.length) {
      for (const n of next.get(todo.pop()) || []) {
        if (!seen.has(n)) { seen.add(n); todo.push(n); }
      }
    }
    return seen;
  };
  const threadOf = (name) => new Set([...reach(name, ups), ...reach(name, downs)]);

  const cards = new Map(); // name -> card
  const columnOf = new Map(); // card -> column index
  const navColumns = LEVELS.map(() => []); // the cards Up and Down move through: the plan's, then the others'
  const list = (elements, i) => h('ul', { class: 'map-cards' }, elements.map((e) => {
    const c = cardFor(e, org, restricted.has(e.name));
    cards.set(e.name, c);
    columnOf.set(c, i);
    navColumns[i].push(c);
    return h('li', {}, c);
  }));
  const lines = s('g', {});
  const svg = s('svg', { class: 'map-lines', 'aria-hidden': 'true', focusable: 'false' }, lines);
  const canvas = h('div', { class: 'map-canvas' }, svg,
    columns.map((elements, i) => h('section', { class: `map-column col-${i + 1}`, 'aria-label': COLUMN_TITLES[i] },
      h('h2', {}, COLUMN_TITLES[i], ' ', h('span', { class: 'count' }, `${elements.length}`)),
      elements.length ? list(elements, i) : h('p', { class: 'muted empty' }, 'None'))));
  if (others.some((o) => o.length)) {
    canvas.append(h('section', { class: 'map-others', 'aria-labelledby': 'map-others-title' },
      h('h2', { id: 'map-others-title' }, 'Other organisations'),
      h('p', { class: 'muted' }, 'Their elements linked to this plan, by the level they sit at; open one for its organisation\'s map.'),
      others.map((elements, i) => (elements.length ? h('div', { class: `col-${i + 1}` }, list(elements, i)) : null))));
  }

  const paths = edges.map((e) => {
    const p = s('path', { class: lineClass(e), 'data-from': e.from, 'data-to': e.to });
    p.edge = e;
    lines.append(p);
    return p;
  });

  // Lines run from the upper element's side facing the lower one to the
  // lower one's facing side; within a column, they bow out to its right.
  // The lines on one side of a card spread along it, in the order of their
  // other ends, rather than meet in one point.
  const draw = () => {
    const box = canvas.getBoundingClientRect();
    if (!box.width) return;
    const at = (name) => {
      const r = cards.get(name).getBoundingClientRect();
      return { l: r.left - box.left, r: r.right - box.left, t: r.top - box.top, b: r.bottom - box.top };
    };
    const sides = new Map(); // "name side" -> the line ends there
    const end = (name, side, card, line, key, other) => {
      const k = `${name} ${side}`;
      sides.set(k, [...(sides.get(k) || []), { card, line, key, other }]);
    };
    const drawn = paths.map((p) => {
      const up = at(p.edge.to);
      const down = at(p.edge.from);
      const cu = columnOf.get(cards.get(p.edge.to));
      const cd = columnOf.get(cards.get(p.edge.from));
      if (cu === cd) return { p, arc: true, up, down };
      const line = { p, x1: cu < cd ? up.r : up.l, x2: cu < cd ? down.l : down.r };
      end(p.edge.to, cu < cd ? 'r' : 'l', up, line, 'y1', (down.t + down.b) / 2);
      end(p.edge.from, cu < cd ? 'l' : 'r', down, line, 'y2', (up.t + up.b) / 2);
      return line;
    });
    for (const ends of sides.values()) {
      const { t, b } = ends[0].card;
      const span = Math.min((b - t) * 0.6, (ends.length - 1) * 6);
      ends.sort((x, y) => x.other - y.other).forEach((e, i) => {
        e.line[e.key] = (t + b) / 2 + (ends.length > 1 ? span * (i / (ends.length - 1) - 0.5) : 0);
      });
    }
    for (const { p, arc, up, down, x1, x2, y1, y2 } of drawn) {
      if (arc) {
        const x = Math.max(up.r, down.r) + 24;
        p.setAttribute('d', `M${up.r} ${up.t + 14} C${x} ${up.t + 14} ${x} ${down.t + 14} ${down.r} ${down.t + 14}`);
      } else {
        const c = (x2 - x1) / 2;
        p.setAttribute('d', `M${x1} ${y1} C${x1 + c} ${y1} ${x2 - c} ${y2} ${x2} ${y2}`);
      }
    }
  };
  let frame = 0;
  const redraw = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  };
  const resized = new ResizeObserver(redraw);
  resized.observe(canvas);
  for (const u of canvas.querySelectorAll('.map-cards')) resized.observe(u);

  // The lit thread: the hovered card's, else the focused card's, else the
  // selected element's.
  let hovered = null;
  let focused = null;
  const light = () => {
    const active = hovered || focused || cards.get(`organisations/${org}/elements/${selected}`) || null;
    const thread = active ? threadOf(active.dataset.name) : null;
    for (const [name, c] of cards) {
      const on = thread !== null && thread.has(name);
      c.classList.toggle('on-thread', on && c !== active);
      c.classList.toggle('off-thread', thread !== null && !on);
      c.classList.toggle('is-active', c === active);
      c.querySelector('.thread-note').textContent = on && c !== active ? ' On the highlighted golden thread.' : '';
    }
    for (const p of paths) {
      const on = thread !== null && thread.has(p.edge.from) && thread.has(p.edge.to);
      p.classList.toggle('lit', on);
      p.classList.toggle('dim', thread !== null && !on);
      if (on) lines.append(p); // drawn over the others
    }
  };
  canvas.addEventListener('mouseover', (ev) => {
    // The gaps between cards keep the thread lit: only leaving the map
    // puts it out.
    const c = ev.target.closest('.map-card');
    if (c && c !== hovered) { hovered = c; light(); }
  });
  canvas.addEventListener('mouseleave', () => { hovered = null; light(); });
  canvas.addEventListener('focusin', (ev) => { focused = ev.target.closest('.map-card'); light(); });
  canvas.addEventListener('focusout', (ev) => {
    if (!canvas.contains(ev.relatedTarget)) { focused = null; light(); }
  });

  // One tab stop: the selected card, else the first; arrow keys move.
  const all = navColumns.flat();
  const focus = (c) => {
    if (!c) return;
    for (const x of all) x.tabIndex = -1;
    c.tabIndex = 0;
    c.focus();
  };
  const start = cards.get(`organisations/${org}/elements/${selected}`) || all[0];
  if (start) start.tabIndex = 0;
  const middle = (c) => { const r = c.getBoundingClientRect(); return (r.top + r.bottom) / 2; };
  const nearest = (pool, c) => pool.reduce((a, b) => (Math.abs(middle(b) - middle(c)) < Math.abs(middle(a) - middle(c)) ? b : a));
  // sideways moves to the next column that has cards, to an element linked
  // to this one where there is one, else to the card level with it.
  const sideways = (c, dir) => {
    const name = c.dataset.name;
    const linked = new Set([...(ups.get(name) || []), ...(downs.get(name) || [])]);
    for (let i = columnOf.get(c) + dir; i >= 0 && i < navColumns.length; i += dir) {
      if (!navColumns[i].length) continue;
      const near = navColumns[i].filter((x) => linked.has(x.dataset.name));
      return nearest(near.length ? near : navColumns[i], c);
    }
    return null;
  };
  canvas.addEventListener('keydown', (ev) => {
    const c = ev.target.closest('.map-card');
    if (!c) return;
    const column = navColumns[columnOf.get(c)];
    const i = column.indexOf(c);
    const to = {
      ArrowUp: () => column[i - 1],
      ArrowDown: () => column[i + 1],
      Home: () => column[0],
      End: () => column[column.length - 1],
      ArrowLeft: () => sideways(c, -1),
      ArrowRight: () => sideways(c, 1),
    }[ev.key];
    if (!to) return;
    ev.preventDefault();
    focus(to());
  });

  canvas.addEventListener('click', (ev) => {
    const c = ev.target.closest('.map-card');
    if (!c) return;
    for (const x of all) x.tabIndex = x === c ? 0 : -1;
    if (c.tagName !== 'BUTTON' || c.getAttribute('aria-disabled') === 'true') return;
    selected = c.dataset.id;
    for (const x of all) x.removeAttribute('aria-current');
    c.setAttribute('aria-current', 'true');
    light();
    onSelect(selected);
  });
  const chosen = cards.get(`organisations/${org}/elements/${selected}`);
  if (chosen) chosen.setAttribute('aria-current', 'true');
  light();

  canvas.focusCard = (name) => focus(cards.get(name));
  canvas.dispose = () => {
    resized.disconnect();
    cancelAnimationFrame(frame);
  };
  return canvas;
}
