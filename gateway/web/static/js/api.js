// The REST API client: every call carries the signed-in caller's bearer
// token; errors become ApiError with the field violations the API names.

const TOKEN_KEY = 'goldenthread.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// ApiError is a google.rpc.Status answer. fields maps each field the API
// named (e.g. "element.title") to what is wrong with it.
export class ApiError extends Error {
  constructor(httpStatus, body) {
    super((body && body.message) || `HTTP ${httpStatus}`);
    this.status = httpStatus;
    this.code = body && body.code;
    this.fields = {};
    for (const d of (body && body.details) || []) {
      for (const v of d.field_violations || d.fieldViolations || []) {
        this.fields[v.field] = this.fields[v.field] ? `${this.fields[v.field]}; ${v.description}` : v.description;
      }
      for (const v of d.violations || []) {
        if (v.subject) this.fields[v.subject] = v.description;
      }
      // A value another resource holds already (a person's email) is an
      // ErrorInfo that names its field.
      const field = d.metadata && d.metadata.field;
      if (field && !this.fields[field]) {
        this.fields[field] = this.message.startsWith(`${field}: `) ? this.message.slice(field.length + 2) : this.message;
      }
    }
  }
}

async function call(method, path, body, contentType = 'application/json') {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = contentType;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : (contentType === 'application/json' ? JSON.stringify(body) : body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('gt-unauthenticated', { detail: err }));
    throw err;
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);
export const postCSV = (path, csv) => call('POST', path, csv, 'text/csv');

// download saves what path answers (as accept, if given) as a file called
// filename: fetched with the token in a header, never in the URL.
export async function download(path, filename, accept) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (accept) headers.Accept = accept;
  const res = await fetch(path, { headers });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// all follows next_page_token and returns every item of a List call.
// caller returns who the token is (GET /v1/caller) with its display_name:
// a person's, from the first organisation that knows them, or an API
// token's where the caller may read it, so that pages name callers rather
// than show their subject.
export async function caller() {
  const c = await get('/v1/caller');
  const person = (c.grants || []).find((g) => g.person);
  const named = person ? person.person : (c.subject.startsWith('token:') ? c.subject.slice('token:'.length) : '');
  if (named) c.display_name = await get(`/v1/${named}`).then((x) => x.display_name, () => '');
  return c;
}

// titles returns the titles of the named resources, each asked once, by
// name: those the caller may not read are left out.
export async function titles(names) {
  const found = await Promise.all([...new Set(names)].map((name) => get(`/v1/${name}`).then((x) => [name, x.title], () => null)));
  return Object.fromEntries(found.filter(Boolean));
}

export async function all(path, key) {
  const items = [];
  let pageToken = '';
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await get(`${path}${sep}page_size=1000${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`);
    items.push(...(page[key] || []));
    pageToken = page.next_page_token || '';
  } while (pageToken);
  return items;
}

// stream follows an organisation's change events (server-sent events read
// with fetch, so that the token travels in a header, never in the URL),
// reconnecting with backoff. onEvent gets {event, data}; onState gets
// 'live', 'reconnecting', 'busy' (the caller has as many streams open as
// the gateway allows; it tries again later) or 'stopped'. It returns a
// function that stops.
export function stream(org, onEvent, onState) {
  const ctrl = new AbortController();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    let delay = 1000;
    let connected = false;
    while (!ctrl.signal.aborted) {
      try {
        const res = await fetch(`/v1/organisations/${org}/events`, {
          headers: { Authorization: `Bearer ${token()}`, Accept: 'text/event-stream' },
          signal: ctrl.signal,
          cache: 'no-store',
        });
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          onState('stopped');
          return;
        }
        if (res.status === 429) {
          onState('busy');
          delay = Math.max(delay, 15000);
          await sleep(delay);
          delay = Math.min(delay * 2, 60000);
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        if (connected) onEvent({ event: 'resync', data: {} }); // events may have been missed
        connected = true;
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n/g, '\n');
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (!data && event === 'message') continue; // a comment: heartbeat
            if (event === 'revoked') {
              onState('stopped');
              return;
            }
            let parsed = {};
            try { parsed = JSON.parse(data || '{}'); } catch { /* ignore */ }
            onEvent({ event, data: parsed });
          }
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
      }
      onState('reconnecting');
      await sleep(delay);
      delay = Math.min(delay * 2, 30000);
    }
  })();
  return () => ctrl.abort();
}
