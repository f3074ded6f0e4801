// OpenID Connect sign-in in the browser: the authorization code flow with
// PKCE (RFC 7636) against the issuer named in /config.json, as a public
// client. The state, nonce and code verifier wait in sessionStorage while
// the browser is at the issuer.
import * as api from './api.js';

const PENDING = 'goldenthread.oidc';

export const oidcConfigured = (cfg) => Boolean(cfg.oidc_issuer && cfg.oidc_client_id);

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

async function discover(issuer) {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the issuer's discovery document answered ${res.status}`);
  return res.json();
}

const redirectURI = () => `${location.origin}/`;

export async function startSignIn(cfg) {
  const meta = await discover(cfg.oidc_issuer);
  const verifier = random();
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const pending = { verifier, state: random(), nonce: random(), token_endpoint: meta.token_endpoint };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.oidc_client_id,
    redirect_uri: redirectURI(),
    scope: cfg.oidc_scopes || 'openid profile email',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${meta.authorization_endpoint}?${q}`);
}

function claims(jwt) {
  const parts = (jwt || '').split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

const audiences = (c) => (Array.isArray(c.aud) ? c.aud : [c.aud]);

// finishSignIn completes a sign-in when the issuer has sent the browser
// back with ?code=...&state=...; it returns whether it signed someone in.
export async function finishSignIn(cfg) {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (q.has('error')) throw new Error(q.get('error_description') || q.get('error'));
  if (!pending || q.get('state') !== pending.state) throw new Error('the answer does not belong to this sign-in (state mismatch)');
  const res = await fetch(pending.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: q.get('code'),
      redirect_uri: redirectURI(),
      client_id: cfg.oidc_client_id,
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(tokens.error_description || tokens.error || `the token endpoint answered ${res.status}`);
  const id = claims(tokens.id_token);
  if (id && id.nonce !== pending.nonce) throw new Error('the ID token does not belong to this sign-in (nonce mismatch)');
  // The services accept a JWT for their audience: the access token when
  // the issuer makes it a JWT for that audience, else the ID token (when
  // the client id is that audience).
  const access = claims(tokens.access_token);
  const audience = cfg.oidc_audience || 'goldenthread';
  let bearer = '';
  if (access && audiences(access).includes(audience)) bearer = tokens.access_token;
  else if (id && audiences(id).includes(audience)) bearer = tokens.id_token;
  if (!bearer) throw new Error(`the issuer gave no JWT for the audience "${audience}"`);
  api.setToken(bearer);
  return true;
}
