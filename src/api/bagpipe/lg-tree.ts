/**
 * The looking glass as a tree, walked the way bagpipe-bgp's LookingGlassMixin walks it
 * (networking_bagpipe/bagpipe_bgp/common/looking_glass.py), so that paths, hrefs and 404s match
 * (reference §4). Each object maps names to nodes:
 *
 *   value       shown inline, the value itself
 *   item        shown inline, computed on each request; sub-keys addressable as paths
 *   subtree     shown as {href}; its content only when addressed (it may be large)
 *   delegate    shown as {href}; another object
 *   collection  shown as {href}; addressed: a list of {id, …, href}; /<id> is an object
 *
 * plus `local(prefix)`, the object's own fields. A missing path is a 404 whose description is
 * `No such looking glass object: <item> at <prefix>` — the item quoted (`'nope'`) when it is a
 * dict key, bare when it is a collection id, as Python's KeyError repr and bagpipe-bgp do.
 */
import type { Json, JsonObject } from '../../vpn/types.js';

export type LgNode =
  | { readonly kind: 'value'; readonly value: Json }
  | { readonly kind: 'item'; readonly get: () => Json }
  | { readonly kind: 'subtree'; readonly get: (prefix: string) => Json }
  | { readonly kind: 'delegate'; readonly target: LgObject }
  | { readonly kind: 'collection'; readonly list: () => JsonObject[]; readonly get: (id: string) => LgObject | undefined };

export interface LgObject {
  map(): Record<string, LgNode>;
  local?(prefix: string): JsonObject;
}

export class LookingGlassNotFound extends Error {
  constructor(item: string, prefix: string) {
    super(`No such looking glass object: ${item} at ${prefix}`);
  }
}

const quote = (s: string) => encodeURIComponent(s).replace(/%2F/gi, '/');
const keyRepr = (k: string) => `'${k}'`;

function lookup(value: Json, path: readonly string[], prefix: string): Json {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !(k in v)) throw new LookingGlassNotFound(keyRepr(k), prefix);
    v = (v as JsonObject)[k]!;
  }
  return v;
}

export function lgInfo(obj: LgObject, prefix: string, path: readonly string[]): Json {
  const map = obj.map();
  const [first, ...rest] = path;
  const here = first === undefined ? prefix : `${prefix}/${quote(first)}`;
  const node = first === undefined ? undefined : Object.prototype.hasOwnProperty.call(map, first) ? map[first] : undefined;
  if (node) {
    switch (node.kind) {
      case 'value':
        return rest.length ? lookup(node.value, rest, here) : node.value;
      case 'item':
        return lookup(node.get(), rest, here);
      case 'subtree':
        return lookup(node.get(here), rest, here);
      case 'delegate':
        return lgInfo(node.target, here, rest);
      case 'collection': {
        const [id, ...more] = rest;
        if (id === undefined) return node.list().map((x) => ({ ...x, href: `${prefix}/${quote(first!)}/${quote(String(x.id))}` }));
        const target = node.get(id);
        if (!target) throw new LookingGlassNotFound(id, here);
        return lgInfo(target, `${here}/${quote(id)}`, more);
      }
    }
  }
  const info: JsonObject = { ...(obj.local?.(prefix) ?? {}) };
  for (const [name, n] of Object.entries(map)) {
    if (n.kind === 'value') info[name] = n.value;
    else if (n.kind === 'item') info[name] = n.get();
    else info[name] = { href: `${prefix}/${quote(name)}` };
  }
  return first === undefined ? info : lookup(info, path, here);
}
