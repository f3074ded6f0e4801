// Forms with labelled fields whose API errors show next to the field they
// name: a violation of "element.start_date" lands under the field
// "start_date"; what names no field shows above the button.
import { h, uid } from './dom.js';
import { ApiError } from './api.js';

// fieldFor finds the form field an API field path names.
export function fieldFor(apiField, names) {
  const path = apiField.replace(/\[\d+\]/g, '');
  const segs = path.split('.');
  // The most specific match wins: "kpi.thresholds.green_within" names
  // green_within rather than thresholds.
  for (let i = segs.length; i > 0; i -= 1) {
    for (let j = 0; j < i; j += 1) {
      const cand = segs.slice(j, i).join('.');
      if (names.includes(cand)) return cand;
    }
  }
  return null;
}

// form builds a form. spec: {title, level (of the title's heading, 3
// unless given: a form is most often part of a section with an h2),
// fields, submit, onSubmit(values), resetOnSuccess, clearOnSuccess (names
// of fields to empty)}. A field: {name, label, type (text, textarea, select,
// checkboxes, date, number, file, password), options [[value, label]], value
// (an array for checkboxes, whose value is the checked options'),
// required, hint, show(values) => boolean, step, min, max}.
export function form(spec) {
  const controls = {};
  const wrappers = {};
  const errors = {};
  const formError = h('p', { class: 'error form-error', role: 'alert' });
  const done = h('p', { class: 'done', role: 'status' });
  const names = spec.fields.map((f) => f.name);

  const el = h('form', { class: 'form', novalidate: true, 'aria-label': spec.title || undefined });
  // Every form's title looks the same, whatever its level in the page.
  if (spec.title) el.append(h(`h${spec.level || 3}`, { class: 'form-title' }, spec.title));
  for (const f of spec.fields) {
    const id = uid(f.name);
    const errId = `${id}-error`;
    const hintId = f.hint ? `${id}-hint` : undefined;
    let control;
    const common = { id, name: f.name, 'aria-describedby': [hintId, errId].filter(Boolean).join(' '), required: f.required };
    if (f.type === 'checkboxes') {
      control = h('fieldset', { id, class: 'choices', 'aria-describedby': common['aria-describedby'] }, h('legend', {}, f.label),
        (f.options || []).map(([v, l], i) => h('label', { class: 'check', for: `${id}-${i}` },
          h('input', { type: 'checkbox', id: `${id}-${i}`, name: f.name, value: v, checked: (f.value || []).includes(v) }), ` ${l}`)));
      controls[f.name] = control;
      errors[f.name] = h('p', { class: 'error', id: errId });
      wrappers[f.name] = h('div', { class: 'field' }, control, f.hint ? h('p', { class: 'hint', id: hintId }, f.hint) : null, errors[f.name]);
      el.append(wrappers[f.name]);
      continue;
    }
    if (f.type === 'select') {
      control = h('select', common, (f.options || []).map(([v, l]) => h('option', { value: v, selected: String(f.value ?? '') === String(v) }, l)));
    } else if (f.type === 'textarea') {
      control = h('textarea', { ...common, rows: f.rows || 3 });
      control.value = f.value ?? '';
    } else {
      control = h('input', {
        ...common, type: f.type || 'text', step: f.step, min: f.min, max: f.max, accept: f.accept,
        autocomplete: f.autocomplete || (f.type === 'password' ? 'off' : undefined),
      });
      if (f.type !== 'file') control.value = f.value ?? '';
    }
    controls[f.name] = control;
    errors[f.name] = h('p', { class: 'error', id: errId });
    wrappers[f.name] = h('div', { class: 'field' },
      h('label', { for: id }, f.label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      f.hint ? h('p', { class: 'hint', id: hintId }, f.hint) : null,
      control, errors[f.name]);
    el.append(wrappers[f.name]);
  }
  const button = h('button', { type: 'submit' }, spec.submit || 'Save');
  el.append(formError, h('div', { class: 'actions' }, button), done);

  const values = () => {
    const v = {};
    for (const f of spec.fields) {
      const c = controls[f.name];
      if (f.type === 'checkboxes') v[f.name] = [...c.querySelectorAll('input:checked')].map((i) => i.value);
      else if (f.type === 'file') v[f.name] = c.files && c.files[0];
      else if (f.type === 'number') v[f.name] = c.value === '' ? undefined : Number(c.value);
      else v[f.name] = c.value;
    }
    return v;
  };
  const refreshVisibility = () => {
    const v = values();
    for (const f of spec.fields) if (f.show) wrappers[f.name].hidden = !f.show(v);
  };
  el.addEventListener('change', refreshVisibility);
  refreshVisibility();

  const clearErrors = () => {
    formError.textContent = '';
    done.textContent = '';
    for (const n of names) {
      errors[n].textContent = '';
      controls[n].removeAttribute('aria-invalid');
    }
  };

  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    button.disabled = true;
    try {
      const v = values();
      for (const f of spec.fields) {
        if (f.required && !wrappers[f.name].hidden && (v[f.name] === '' || v[f.name] === undefined)) {
          throw new ApiError(400, { message: `${f.label} is required`, details: [{ field_violations: [{ field: f.name, description: 'is required' }] }] });
        }
      }
      const message = await spec.onSubmit(v);
      done.textContent = message || 'Saved.';
      if (spec.resetOnSuccess) {
        el.reset();
        refreshVisibility();
      }
      for (const n of spec.clearOnSuccess || []) controls[n].value = '';
    } catch (err) {
      const rest = [];
      let first = null;
      for (const [field, description] of Object.entries(err.fields || {})) {
        const name = fieldFor(field, names);
        if (name && !wrappers[name].hidden) {
          errors[name].textContent = errors[name].textContent ? `${errors[name].textContent}; ${description}` : description;
          controls[name].setAttribute('aria-invalid', 'true');
          first = first || controls[name];
        } else {
          rest.push(`${field}: ${description}`);
        }
      }
      formError.textContent = first && !rest.length ? 'Please correct the fields marked above.' : [err.message, ...rest].join(' — ');
      if (first) first.focus();
    } finally {
      button.disabled = false;
    }
  });
  el.controls = controls;
  return el;
}

// rowAction is a disclosure for a form that acts on one item of a list:
// its summary says what (label, with the item's name for those who hear it
// out of its row, hidden) and opens the form.
export function rowAction(label, item, content) {
  return h('details', { class: 'row-action' },
    h('summary', {}, label, h('span', { class: 'visually-hidden' }, ` ${item}`)), content);
}

// confirmStep is a rowAction that asks a last question before something
// that cannot simply be taken back: the summary and the buttons are all the
// keyboard needs, and Cancel closes it and puts the focus back.
export function confirmStep(label, item, question, confirmForm) {
  const box = rowAction(label, item, [h('p', {}, question), confirmForm]);
  box.classList.add('confirm');
  confirmForm.querySelector('.actions').append(h('button', {
    type: 'button',
    onclick() {
      box.open = false;
      box.querySelector('summary').focus();
    },
  }, 'Cancel'));
  return box;
}
