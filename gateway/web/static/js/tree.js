// An accessible tree (the WAI-ARIA tree view pattern): one tab stop, arrow
// keys move, Right/Left expand and collapse, Home/End jump, Enter or Space
// selects. Nodes are {id, label (a Node), children, tone}.
import { h } from './dom.js';

// tree renders nodes into a <ul role="tree">. state: {expanded: Set of ids
// (kept by the caller across renders), selected: id}; onSelect(id) is called
// when a node is chosen.
export function tree(nodes, { label, state, onSelect }) {
  const root = h('ul', { role: 'tree', 'aria-label': label, class: 'tree' });
  const items = [];

  const item = (node, level) => {
    const hasKids = node.children && node.children.length > 0;
    const open = hasKids && state.expanded.has(node.id);
    const rowId = `row-${node.id}`;
    const li = h('li', {
      role: 'treeitem', 'aria-level': level, 'aria-labelledby': rowId,
      'aria-expanded': hasKids ? String(open) : undefined,
      'aria-selected': String(state.selected === node.id),
      tabindex: '-1', 'data-id': node.id, class: `node tone-${node.tone || 'none'}`,
    },
    h('div', { class: 'row', id: rowId },
      h('span', { class: 'toggle', 'aria-hidden': 'true' }, hasKids ? (open ? '▾' : '▸') : '•'),
      node.label));
    items.push(li);
    if (hasKids) {
      const group = h('ul', { role: 'group' }, node.children.map((c) => item(c, level + 1)));
      group.hidden = !open;
      li.append(group);
    }
    return li;
  };
  root.append(...nodes.map((n) => item(n, 1)));

  const visible = () => items.filter((li) => !li.parentElement.closest('[role=group][hidden]'));
  const focus = (li) => {
    if (!li) return;
    for (const x of items) x.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  };
  const setOpen = (li, open) => {
    const group = li.querySelector(':scope > [role=group]');
    if (!group) return;
    group.hidden = !open;
    li.setAttribute('aria-expanded', String(open));
    li.querySelector(':scope > .row > .toggle').textContent = open ? '▾' : '▸';
    if (open) state.expanded.add(li.dataset.id);
    else state.expanded.delete(li.dataset.id);
  };
  const select = (li) => {
    for (const x of items) x.setAttribute('aria-selected', 'false');
    li.setAttribute('aria-selected', 'true');
    state.selected = li.dataset.id;
    onSelect(li.dataset.id);
  };

  // The tab stop: the selected node, else the first.
  const start = items.find((li) => li.dataset.id === state.selected && !li.parentElement.closest('[role=group][hidden]')) || items[0];
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
        else if (expanded === 'true') focus(li.querySelector(':scope > [role=group] > [role=treeitem]'));
        break;
      case 'ArrowLeft':
        if (expanded === 'true') setOpen(li, false);
        else focus(li.parentElement.closest('[role=treeitem]'));
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
    for (const li of items) setOpen(li, open);
    // Keep the one tab stop on a visible node, without moving the focus.
    const vis = visible();
    const stop = vis.find((x) => x.tabIndex === 0) || vis[0];
    for (const x of items) x.tabIndex = x === stop ? 0 : -1;
  };
  root.focusNode = (id) => focus(items.find((li) => li.dataset.id === id));
  return root;
}
