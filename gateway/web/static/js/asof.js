// The day a page shows its organisation as of: empty for today, or a past
// day (YYYY-MM-DD), which the API answers from the history.
import { h } from './dom.js';
import { isoDate, protoDate, today } from './format.js';

// dayOf is the day value names, '' when it names none.
export const dayOf = (value) => (protoDate(value) ? value : '');

// endOfDay is the API's as_of for the end of day.
export const endOfDay = (day) => `${day}T23:59:59.999Z`;

// asOfField is a labelled day picker, no later than today, whose hint says
// a past day shows what as it stood then.
export function asOfField(id, day, what) {
  const input = h('input', { type: 'date', id, value: day, max: isoDate(today()), 'aria-describedby': `${id}-hint` });
  const field = h('div', { class: 'field' }, h('label', { for: id }, 'As of'), input,
    h('p', { class: 'hint', id: `${id}-hint` }, `Empty: today. A past day shows ${what} as it stood then.`));
  return { input, field };
}
