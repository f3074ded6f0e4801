// A secret shown once (an API token's, a webhook's signing secret): in a
// box of the page, kept nowhere else (not in the address, not in
// storage), gone on reload, with a button to copy it and one to hide it.
import { h, replace } from './dom.js';

// showSecret fills box with the secret of what (its name) in the field
// called id, explains what whoever holds it can do (power), and focuses
// it; hiding it focuses back.
export function showSecret(box, { id, what, secret, power, back }) {
  const input = h('input', {
    id, type: 'text', readonly: true, autocomplete: 'off', spellcheck: 'false', class: 'secret-value',
    'aria-describedby': `${box.id}-warning`,
  });
  input.value = secret;
  const copied = h('p', { class: 'done', role: 'status' });
  replace(box,
    h('h2', { id: `${box.id}-title` }, `The secret of ${what}`),
    h('p', { id: `${box.id}-warning`, class: 'warning' }, h('strong', {}, 'Copy it now: it will not be shown again.'), ` ${power}`),
    h('div', { class: 'field' }, h('label', { for: input.id }, 'Secret'), input),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        async onclick() {
          input.select();
          try {
            await navigator.clipboard.writeText(secret);
            copied.textContent = 'Copied.';
          } catch {
            copied.textContent = 'Copying was not allowed: the secret is selected, press Ctrl+C (⌘C on a Mac).';
          }
        },
      }, 'Copy secret'),
      h('button', {
        type: 'button',
        onclick() {
          replace(box);
          box.hidden = true;
          back.focus();
        },
      }, 'I have copied it: hide it')),
    copied);
  box.setAttribute('aria-labelledby', `${box.id}-title`);
  box.hidden = false;
  input.focus();
  input.select();
}
