// A discussion: the comments on an element, a check-in or a KPI, oldest
// first, each by its author's name with the people it mentions; a form to
// add one; authors edit and delete their own.
import { h, replace, uid } from './dom.js';
import * as api from './api.js';
import { form } from './forms.js';
import { directory } from './people.js';
import { when } from './format.js';

// discussion returns the discussion of parent (a resource name) of org, as
// {el, load}: load refreshes its list. mayComment says whether the caller
// may add to it; title heads it, a heading of the given level.
export function discussion({ org, parent, session, mayComment, title = 'Discussion', level = 3 }) {
  const me = session.person(org);
  const list = h('ol', { class: 'comments', 'aria-label': 'Comments, oldest first' });
  const load = async () => {
    const comments = await api.all(`/v1/${parent}/comments`, 'comments');
    const nameOf = await directory(org, session).names(comments.flatMap((c) => [c.author || c.update_actor, ...(c.mentions || [])]));
    replace(list, comments.length ? comments.map((c) => {
      const own = me && c.author === me;
      const editor = own ? form({
        title: '', submit: 'Save the comment',
        fields: [{ name: 'text', label: 'Your comment', type: 'textarea', required: true, value: c.text }],
        async onSubmit(v) {
          await api.patch(`/v1/${c.name}?update_mask=text`, { text: v.text, etag: c.etag });
          await load();
          return 'Saved.';
        },
      }) : null;
      if (editor) editor.hidden = true;
      return h('li', { class: 'comment', 'data-name': c.name },
        h('p', {}, h('strong', {}, nameOf(c.author || c.update_actor)), h('span', { class: 'muted' }, ` ${when(c.create_time)}`),
          (c.edits || []).length ? h('span', { class: 'muted' }, ' (edited)') : null),
        h('p', { class: 'comment-text' }, c.text),
        (c.mentions || []).length ? h('p', { class: 'muted small' }, 'Mentions ', c.mentions.flatMap((m, i) => (i ? [', ', nameOf(m)] : [nameOf(m)]))) : null,
        own ? h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => { editor.hidden = !editor.hidden; } }, 'Edit'),
          h('button', { type: 'button', onclick: async () => { await api.del(`/v1/${c.name}`); await load(); } }, 'Delete')) : null,
        editor);
    }) : h('li', { class: 'muted' }, 'No comment yet.'));
  };
  load();
  const id = uid('discussion');
  const el = h('section', { class: 'discussion', 'aria-labelledby': id }, h(`h${level}`, { id }, title), list,
    mayComment ? form({
      title: title === 'Discussion' ? 'Add a comment' : `Add a comment: ${title.toLowerCase()}`,
      level: level + 1,
      submit: 'Comment',
      clearOnSuccess: ['text'],
      fields: [{ name: 'text', label: 'Comment', type: 'textarea', required: true, hint: 'Mention someone with @ and their id, e.g. @cat.' }],
      async onSubmit(v) {
        await api.post(`/v1/${parent}/comments`, { text: v.text });
        await load();
        return 'Commented.';
      },
    }) : null);
  return { el, load };
}
