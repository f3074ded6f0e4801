// An organisation's webhooks: URLs outside the deployment its changes are
// sent to, signed. Admins make them (seeing each signing secret once),
// send a test event, turn them off and on, delete them, and read each
// one's delivery log: every event sent, its attempts and how the last went.
import { h, keyed, replace } from '../dom.js';
import * as api from '../api.js';
import { form, confirmStep } from '../forms.js';
import { showSecret } from '../secret.js';
import { when } from '../format.js';

export const name = 'webhooks';
export const title = 'Webhooks';

const FORMATS = [['FORMAT_CLOUDEVENTS', 'CloudEvents (JSON), for programs'], ['FORMAT_CHAT', 'A message for a chat channel (Slack, Microsoft Teams)']];
const STATES = { STATE_PENDING: ['Pending', 'warn'], STATE_DELIVERED: ['Delivered', 'good'], STATE_FAILED: ['Failed', 'bad'] };

export async function render(el, { params, session }) {
  const [org] = params;
  const title = h('h1', { tabindex: '-1' }, 'Webhooks');
  el.append(title);
  if (session.role(org) < 4) {
    el.append(h('p', {}, 'Only the organisation\'s admins manage its webhooks.'));
    return null;
  }
  const status = h('p', { class: 'done', role: 'status' });
  const secretBox = h('section', { class: 'card secret', id: 'webhook-secret', hidden: true });
  const rows = h('tbody');
  const log = h('section', { class: 'card', id: 'deliveries', 'aria-labelledby': 'deliveries-title', hidden: true });
  el.append(h('p', { class: 'muted' }, 'Each change is POSTed to the URL as a CloudEvent (JSON), signed as Standard Webhooks say: check the ',
    h('code', {}, 'webhook-signature'), ' header with the secret. A receiver that fails is tried again for more than a day; then the webhook is turned off.'),
  status, secretBox,
  h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'webhooks' },
    h('caption', { class: 'visually-hidden' }, 'The organisation\'s webhooks, newest first'),
    h('thead', {}, h('tr', {}, ['Name', 'URL', 'Events', 'State', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    rows)), log);

  let shown = ''; // the webhook whose log is open
  const showLog = async (w) => {
    shown = w.name;
    const { deliveries = [] } = await api.get(`/v1/${w.name}/deliveries?page_size=50`);
    replace(log, h('h2', { id: 'deliveries-title', tabindex: '-1' }, `Deliveries of ${w.display_name}`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden' }, 'Newest first'),
        h('thead', {}, h('tr', {}, ['Queued', 'Event', 'Resource', 'State', 'Attempts', 'Last answer', 'Time taken', 'Next attempt']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, deliveries.length ? deliveries.map((d) => {
          const [words, tone] = STATES[d.state] || [d.state, ''];
          return h('tr', {},
            h('th', { scope: 'row' }, when(d.create_time)),
            h('td', {}, d.event_type.split('.').pop()),
            h('td', {}, d.event_subject),
            h('td', {}, h('span', { class: `badge ${tone}` }, words)),
            h('td', {}, String(d.attempts || 0)),
            h('td', {}, d.last_error || (d.last_status_code ? String(d.last_status_code) : '—')),
            h('td', {}, d.last_latency ? `${Math.round(parseFloat(d.last_latency) * 1000)} ms` : '—'),
            h('td', {}, d.next_attempt_time ? when(d.next_attempt_time) : '—'));
        }) : h('tr', {}, h('td', { colspan: 8 }, 'Nothing sent yet.'))))));
    log.hidden = false;
  };

  const row = (w) => {
    const cells = { name: h('th', { scope: 'row' }), url: h('td', { class: 'wrap' }), events: h('td'), state: h('td') };
    const deleteForm = form({
      title: `Delete ${w.display_name}?`,
      level: 2,
      submit: 'Yes, delete',
      fields: [],
      async onSubmit() {
        await api.del(`/v1/${w.name}`);
        status.textContent = `Deleted ${w.display_name}.`;
        title.focus();
        await load();
        return 'Deleted.';
      },
    });
    const act = (label, run) => h('button', {
      type: 'button',
      class: 'link',
      async onclick() {
        try {
          status.textContent = await run();
        } catch (err) {
          status.textContent = err.message;
        }
      },
    }, label, h('span', { class: 'visually-hidden' }, ` ${w.display_name}`));
    const toggle = act('', async () => {
      const current = await api.get(`/v1/${w.name}`);
      const next = await api.patch(`/v1/${w.name}?update_mask=enabled`, { enabled: !current.enabled });
      await load();
      return `${next.display_name} is ${next.enabled ? 'on' : 'off'}.`;
    });
    return {
      node: h('tr', { 'data-name': w.name }, Object.values(cells), h('td', { class: 'row-actions' },
        act('Send test event', async () => {
          await api.post(`/v1/${w.name}:test`, {});
          await showLog(w);
          return `Test event queued for ${w.display_name}.`;
        }), ' ', toggle, ' ', act('Deliveries', async () => { await showLog(w); return ''; }), ' ',
        confirmStep('Delete', w.display_name, 'Nothing more is sent to it; its delivery log goes with it.', deleteForm))),
      update(x) {
        cells.name.textContent = x.display_name;
        cells.url.textContent = x.url;
        cells.events.textContent = `${(x.event_types || []).join(', ') || 'Every change'}${x.format === 'FORMAT_CHAT' ? ', as chat messages' : ''}`;
        replace(cells.state, x.enabled ? h('span', { class: 'badge good' }, 'On')
          : [h('span', { class: 'badge bad' }, 'Off'), x.disabled_reason ? h('p', { class: 'muted' }, x.disabled_reason) : null]);
        toggle.firstChild.textContent = x.enabled ? 'Turn off' : 'Turn on';
      },
    };
  };

  const load = async () => {
    const webhooks = await api.all(`/v1/organisations/${org}/webhooks`, 'webhooks');
    keyed(rows, webhooks, (w) => w.name, row);
    if (!webhooks.length) rows.append(h('tr', {}, h('td', { colspan: 5 }, 'No webhook yet.')));
    const open = webhooks.find((w) => w.name === shown);
    if (open) await showLog(open);
  };
  await load();

  el.append(h('section', { class: 'card' }, form({
    title: 'New webhook',
    level: 2,
    submit: 'Create webhook',
    resetOnSuccess: true,
    fields: [
      { name: 'display_name', label: 'Name', required: true, hint: 'What it is for, e.g. The council\'s Teams channel.' },
      { name: 'url', label: 'URL', type: 'url', required: true, hint: 'Where to POST each event, e.g. https://example.org/hooks/golden-thread.' },
      { name: 'format', label: 'Format', type: 'select', options: FORMATS, value: 'FORMAT_CLOUDEVENTS' },
      { name: 'event_types', label: 'Events', type: 'textarea', hint: 'One per line, e.g. goldenthread.planning.v1.ElementUpdated, or a prefix ending in *, e.g. goldenthread.kpis.v1.*. Empty: every change.' },
    ],
    async onSubmit(v) {
      const res = await api.post(`/v1/organisations/${org}/webhooks`, {
        display_name: v.display_name, url: v.url, format: v.format, event_types: v.event_types.split('\n').map((s) => s.trim()).filter(Boolean),
      });
      showSecret(secretBox, { id: 'webhook-secret-value', what: res.webhook.display_name, secret: res.secret, back: title,
        power: 'Whoever has it can sign messages your receiver will take for ours.' });
      await load();
      return `Created ${res.webhook.display_name}. Copy its signing secret above: it is shown only once.`;
    },
  })));
  return { refresh: load };
}
