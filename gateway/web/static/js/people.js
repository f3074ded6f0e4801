// Who did something, by name. The API records the actor of every change
// as `user:{sub}` (a person signed in through the identity provider),
// `token:{api token name}` or `system:{service}`, and some resources name a
// person (`organisations/{org}/people/{person}`); pages show the person's
// or the token's display name instead, never the subject or the id.
import { h } from './dom.js';
import * as api from './api.js';
import { idOf } from './format.js';

// personHref is the address of a person's row on their organisation's
// people page.
export const personHref = (name) => `#/o/${name.split('/')[1]}/people?person=${idOf(name)}`;

// directory looks up the people of org and the API tokens that act in it
// for one load of a page: each is asked for once, however often it is
// named. session says which tokens the caller may read (admins only),
// so that nobody is sent to ask for what they would be refused.
export function directory(org, session) {
  let people = null;
  const tokens = new Map();

  // everyone is the organisation's people, the removed ones too: they
  // still name what they did.
  const everyone = () => {
    people = people || api.all(`/v1/organisations/${org}/people?show_deleted=true`, 'people').catch(() => []);
    return people;
  };

  const mayReadToken = (name) => (name.startsWith('organisations/')
    ? session.role(name.split('/')[1]) >= 4
    : Boolean(session.caller && session.caller.platform_admin));

  // tokenName is an API token's display name, or '' where the caller may
  // not read it.
  const tokenName = (name) => {
    if (!tokens.has(name)) {
      tokens.set(name, mayReadToken(name) ? api.get(`/v1/${name}`).then((t) => t.display_name || '', () => '') : Promise.resolve(''));
    }
    return tokens.get(name);
  };

  const personNode = (p) => (p.delete_time
    ? `${p.display_name} (removed)`
    : h('a', { href: personHref(p.name) }, p.display_name));

  // names looks up each of whos (actors or people's resource names) and
  // returns a function that shows one of them: a person's name linked to
  // their row on the people page; an API token's name, or "an API token"
  // where the caller may not read it; "the system" for a service acting on
  // its own. A person nobody can find shows as their subject.
  async function names(whos) {
    const list = [...new Set(whos.filter(Boolean))];
    const found = list.some((w) => w.startsWith('user:') || w.includes('/people/')) ? await everyone() : [];
    const tokenNames = new Map(await Promise.all(list.filter((w) => w.startsWith('token:'))
      .map(async (w) => [w, await tokenName(w.slice('token:'.length))])));
    return (who) => {
      if (!who) return '';
      if (who.includes('/people/')) {
        const p = found.find((x) => x.name === who);
        return p ? personNode(p) : idOf(who);
      }
      const colon = who.indexOf(':');
      const [kind, rest] = [who.slice(0, colon), who.slice(colon + 1)];
      if (kind === 'user') {
        // A live person before a removed one who had the same subject.
        const p = found.filter((x) => x.external_subject === rest).sort((a, b) => Boolean(a.delete_time) - Boolean(b.delete_time))[0];
        if (p) return personNode(p);
        // Those who read through an owner see no subjects, but know their own name.
        if (session.caller && session.caller.subject === who && session.caller.display_name) return session.caller.display_name;
        return rest;
      }
      if (kind === 'token') {
        const n = tokenNames.get(who);
        return n ? [n, h('span', { class: 'muted' }, ' (API token)')] : 'an API token';
      }
      if (kind === 'system') return 'the system';
      return who;
    };
  }

  return { people: everyone, names };
}
