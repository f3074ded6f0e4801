// Sign-in: paste a token (the one `make run` prints, an API token, or a
// JWT), or, when an OpenID Connect issuer is configured, sign in there.
import { h } from '../dom.js';
import * as api from '../api.js';
import { form } from '../forms.js';
import { startSignIn, oidcConfigured } from '../oidc.js';

export const name = 'signin';
export const title = 'Sign in';
let session = null;
let pendingError = '';

export function configure(s) { session = s; }
export function setPendingError(msg) { pendingError = msg; }

export async function render(el) {
  const tokenForm = form({
    title: 'Sign in with a token',
    level: 2,
    submit: 'Sign in',
    fields: [{
      name: 'token', label: 'Token', type: 'password', required: true, autocomplete: 'off',
      hint: 'The platform admin token that make run printed (it is also in data/admin-token), an API token (gt_…) or a JWT.',
    }],
    async onSubmit(v) {
      api.setToken(v.token.trim());
      try {
        session.caller = await api.caller();
      } catch (err) {
        api.setToken('');
        session.caller = null;
        err.fields = { token: err.status === 401 ? 'This token is not valid (unknown, revoked or expired).' : err.message };
        throw err;
      }
      location.hash = '#/';
      return `Signed in as ${session.caller.display_name || session.caller.subject}.`;
    },
  });
  el.append(h('h1', {}, 'Sign in to Golden Thread'));
  if (pendingError) {
    el.append(h('p', { class: 'error', role: 'alert' }, `Sign-in failed: ${pendingError}`));
    pendingError = '';
  }
  if (oidcConfigured(session.config)) {
    let host = session.config.oidc_issuer;
    try { host = new URL(host).host; } catch { /* show it as it is */ }
    const status = h('p', { class: 'error', role: 'alert' });
    el.append(h('section', { class: 'card' },
      h('h2', {}, 'Single sign-on'),
      h('button', {
        type: 'button', class: 'primary', id: 'oidc-signin',
        async onclick() {
          try { await startSignIn(session.config); } catch (err) { status.textContent = err.message; }
        },
      }, `Sign in with ${host}`), status));
  }
  el.append(h('section', { class: 'card' }, tokenForm));
  return {};
}
