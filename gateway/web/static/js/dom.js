// Small helpers to build the page from data without ever parsing it as
// HTML: every string the API returns becomes a text node.

const SVG = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h('p', {class: 'x'}, 'text', child) makes an HTML element.
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s('rect', {...}) makes an SVG element.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

// replace empties el and fills it with children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// keyed fills el with one child per item, in order, keeping the child made
// for an item's key on an earlier call and moving only what is out of
// place: a form someone is using in a table row, and the focus, survive the
// refresh a live update brings. make(item) returns {node, update(item)};
// update is called with every item, new or kept. Other children go.
const keptChildren = new WeakMap();
export function keyed(el, items, key, make) {
  const before = keptChildren.get(el) || new Map();
  const now = new Map();
  for (const item of items) {
    const k = key(item);
    const child = before.get(k) || make(item);
    child.update(item);
    now.set(k, child);
  }
  keptChildren.set(el, now);
  let at = el.firstChild;
  for (const { node } of now.values()) {
    if (node === at) at = at.nextSibling;
    else el.insertBefore(node, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
  return el;
}

let ids = 0;
// uid returns an id unique in the page, for label/for and aria references.
export function uid(prefix = 'id') {
  ids += 1;
  return `${prefix}-${ids}`;
}
