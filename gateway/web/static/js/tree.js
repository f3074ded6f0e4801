// An accessible tree (the WAI-ARIA tree view pattern): one tab stop, arrow
// keys move, Right/Left expand and collapse, Home/End jump, Enter or Space
// selects. Nodes are {id, label (a Node), children, tone}.
import { h } from './dom.js';

// tree renders nodes into a <ul role="tree">. state: {expanded: Set of ids
// (kept by the caller across renders), selected: id}; onSelect(id) is called
// when a node is chosen.
export function tree(nodes, { label, state, onSelect }) {
  const root = h('ul', { role: 'tree', 'aria-label': label, class: 'tree' });
  // The tree is flat: each item says its level, its place among its
  // siblings and its parent, rather than holding its children, so that an
  // item's content (and so its accessible name) is its own row alone.
  const items = [];
  const parentOf = new Map();

  const add = (siblings, level, parent) => siblings.forEach((node, i) => {
    const hasKids = node.children && node.children.length > 0;
    const li = h('li', {
      role: 'treeitem', 'aria-level': level, 'aria-setsize': siblings.length, 'aria-posinset': i + 1,
      'aria-expanded': hasKids ? String(state.expanded.has(node.id)) : undefined,
      'aria-selected': String(state.selected === node.id),
      tabindex: '-1', 'data-id': node.id, class: `node tone-${node.tone || 'none'}`,
    },
    h('div', { class: 'row' },
      h('span', { class: 'toggle', 'aria-hidden': 'true' }, hasKids ? '▸' : '•'),
      node.label));
    li.style.setProperty('--level', level);
    items.push(li);
    parentOf.set(li, parent);
    if (hasKids) add(node.children, level + 1, li);
  });
  add(nodes, 1, null);
  root.append(...items);

  const open = (li) => li.getAttribute('aria-expanded') === 'true';
  // An item shows when every item above it is expanded.
  const shows = (li) => { for (let p = parentOf.get(li); p; p = parentOf.get(p)) if (!open(p)) return false; return true; };
  const visible = () => items.filter((li) => !li.hidden);
  const layout = () => {
    for (const li of items) {
      li.hidden = !shows(li);
      if (li.hasAttribute('aria-expanded')) li.querySelector(':scope > .row > .toggle').textContent = open(li) ? '▾' : '▸';
    }
  };
  layout();
  const focus = (li) => {
    if (!li) return;
    for (const x of items) x.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  };
  // mark opens or closes an item with children, without laying out.
  const mark = (li, want) => {
    if (!li.hasAttribute('aria-expanded')) return;
    li.setAttribute('aria-expanded', String(want));
    if (want) state.expanded.add(li.dataset.id);
    else state.expanded.delete(li.dataset.id);
  };
  const setOpen = (li, want) => { mark(li, want); layout(); };
  const select = (li) => {
    for (const x of items) x.setAttribute('aria-selected', 'false');
    li.setAttribute('aria-selected', 'true');
    state.selected = li.dataset.id;
    onSelect(li.dataset.id);
  };

  // The tab stop: the selected node, else the first.
  const start = items.find((li) => li.dataset.id === state.selected && !li.hidden) || items[0];
  if (start) start.tabIndex = 0;

  root.addEventListener('click', (ev) => {
    const li = ev.target.closest('[role=treeitem]');
    if (!li) return;
    if (ev.target.closest('.toggle')) setOpen(li, li.getAttribute('aria-expanded') !== 'true');
    else select(li);
    focus(li);
  });
  root.addEventListener('keydown', (ev) => {
    const li = ev.target.closest('[role=treeitem]');
    if (!li) return;
    const vis = visible();
    const i = vis.indexOf(li);
    const expanded = li.getAttribute('aria-expanded');
    switch (ev.key) {
      case 'ArrowDown': focus(vis[i + 1]); break;
      case 'ArrowUp': focus(vis[i - 1]); break;
      case 'Home': focus(vis[0]); break;
      case 'End': focus(vis[vis.length - 1]); break;
      case 'ArrowRight':
        if (expanded === 'false') setOpen(li, true);
        else if (expanded === 'true') focus(items.find((x) => parentOf.get(x) === li));
        break;
      case 'ArrowLeft':
        if (expanded === 'true') setOpen(li, false);
        else focus(parentOf.get(li));
        break;
      case 'Enter':
      case ' ':
        select(li);
        break;
      default:
        return;
    }
    ev.preventDefault();
  });

  root.expandAll = (open) => {
    for (const li of items) mark(li, open);
    layout();
    // Keep the one tab stop on a visible node, without moving the focus.
    const vis = visible();
    const stop = vis.find((x) => x.tabIndex === 0) || vis[0];
    for (const x of items) x.tabIndex = x === stop ? 0 : -1;
  };
  root.focusNode = (id) => focus(items.find((li) => li.dataset.id === id));
  return root;
}
