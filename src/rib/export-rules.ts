/**
 * What the protocol itself requires when a best path is offered to a peer, before export policy
 * (which rib.ts runs last):
 *
 *  - RFC 4271 §9.2 / §9.1.3: never back to the peer it came from (the caller checks identity);
 *  - RFC 4271 §9.2.1: a route learned from an internal peer is not sent to internal peers...
 *  - RFC 4456 §6: ...unless we reflect it: from a client to all other clients and non-clients,
 *    from a non-client to clients only; eBGP-learned and local routes go to everyone. Reflecting
 *    sets ORIGINATOR_ID when absent and prepends our CLUSTER_ID to CLUSTER_LIST (§8);
 *  - to an external peer (RFC 4271 §5.1): prepend our AS (§5.1.2), next hop = our address
 *    (§5.1.3), no LOCAL_PREF (§5.1.5), no ORIGINATOR_ID / CLUSTER_LIST (RFC 4456 §8: they never
 *    leave the AS), no MED learned from another AS (§5.1.4), no confederation segments
 *    (RFC 5065 §5.3);
 *  - to an internal peer: LOCAL_PREF always present (§5.1.5), next hop kept (§5.1.3) unless the
 *    peer is configured next-hop-self or the route is ours with an unspecified next hop;
 *  - optional non-transitive attributes bgpipe does not know are not passed on (§5, §9.1.4 ...).
 *
 * The result depends only on the attribute set, the source peer and the target peer, all
 * unchanging while the sessions are up, so it is cached per (target, source, attribute-set id):
 * a million routes sharing one set cost one derivation and a few integer compares each.
 */
import { AsPathSegmentType, AttrFlag, type PathAttributes } from '../wire/attributes/types.js';
import type { Family } from '../wire/family.js';
import { isUnspecified, localNextHop } from './address.js';
import { prependAsPath, type AttrPatch, type AttrSets } from './attr-set.js';
import { DEFAULT_LOCAL_PREF } from './best-path.js';
import type { RibPeer } from './types.js';
import { widen } from './path.js';

export interface ExportContext {
  readonly attrSets: AttrSets;
  readonly clusterId: string;
}

export function isIbgp(peer: RibPeer): boolean {
  return peer.peerAs === peer.localAs;
}

/** The attributes to send `target` for a best path from `source` (undefined: this speaker), or
 *  undefined when the rules say it must not be sent to that peer. */
export function exportAttributes(
  ctx: ExportContext,
  family: Family,
  attrs: PathAttributes,
  source: RibPeer | undefined,
  target: RibPeer,
): PathAttributes | undefined {
  const toIbgp = isIbgp(target);
  const fromIbgp = source !== undefined && isIbgp(source);
  const patch: AttrPatch = {};

  if (toIbgp) {
    if (fromIbgp) {
      // RFC 4456 §6: a non-client's route is reflected to clients only.
      if (!source.routeReflectorClient && !target.routeReflectorClient) return undefined;
      patch.originatorId = attrs.originatorId ?? source.routerId;
      patch.clusterList = [ctx.clusterId, ...(attrs.clusterList ?? [])];
    }
    if (attrs.localPref === undefined) patch.localPref = DEFAULT_LOCAL_PREF;
    if (target.nextHopSelf || (source === undefined && isUnspecified(attrs.nextHop))) {
      patch.nextHop = localNextHop(family, target.localAddress, target.localAddressV6);
      patch.nextHopLinkLocal = undefined;
    }
  } else if (attrs.unknown === undefined && !attrs.asPath.some(isConfedSegment)) {
    // The common external case, built directly (no patch object; the prepended AS_PATH shared
    // by every set with the same path): ~1 µs a derivation less with a set per 10 routes.
    const keepMed = attrs.med !== undefined && !medFromOtherAs(attrs, source);
    return ctx.attrSets.toExternal(attrs, target.localAs, localNextHop(family, target.localAddress, target.localAddressV6), keepMed);
  } else {
    const path = attrs.asPath.some(isConfedSegment) ? attrs.asPath.filter((s) => !isConfedSegment(s)) : attrs.asPath;
    patch.asPath = prependAsPath(path, target.localAs);
    patch.nextHop = localNextHop(family, target.localAddress, target.localAddressV6);
    patch.nextHopLinkLocal = undefined;
    patch.localPref = undefined;
    patch.originatorId = undefined;
    patch.clusterList = undefined;
    if (attrs.med !== undefined && medFromOtherAs(attrs, source)) patch.med = undefined;
  }

  if (attrs.unknown !== undefined && attrs.unknown.some((u) => (u.flags & AttrFlag.Transitive) === 0)) {
    const kept = attrs.unknown.filter((u) => (u.flags & AttrFlag.Transitive) !== 0);
    patch.unknown = kept.length > 0 ? kept : undefined;
  }
  return ctx.attrSets.derive(attrs, patch);
}

function isConfedSegment(s: { readonly type: number }): boolean {
  return s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet;
}

/** RFC 4271 §5.1.4: a MED received from a neighbouring AS MUST NOT go to other ASes. A MED on
 *  our own route, or on an internal route whose AS_PATH holds no external AS, was set inside the
 *  AS and may be sent. */
function medFromOtherAs(attrs: PathAttributes, source: RibPeer | undefined): boolean {
  if (source === undefined) return false;
  if (!isIbgp(source)) return true;
  return attrs.asPath.some((s) => !isConfedSegment(s) && s.asns.length > 0);
}

/**
 * Per target peer: (source peer, family, best path's attribute-set id) → id of the set to send,
 * or "not to this peer" (the family matters only through the next hop we put in). One Int32Array
 * per (source, family) indexed by attribute id — no WeakMap: an entry holds a reference on the
 * derived set (attr-set.ts), and is dropped when the set it was derived from is freed, so a
 * derived set lives as long as its base is used. The last answer is kept apart, since routes
 * arrive in runs that share one set.
 */
export class ExportCache {
  /** By column index: base id → 0 not computed yet, 1 not to this peer, else the result's id + 2.
   *  One column per (source, family) slot; undefined once its source is forgotten. */
  private readonly cols: (Int32Array | undefined)[] = [];
  private readonly colOf = new Map<number, number>();
  /** By base id: index + 1 of the first column holding an entry for it (nearly always the only
   *  one: a set comes from one source), so freeing a set visits only its own entries, not every
   *  column of every peer. Further columns in `moreCols`. */
  private firstCol = new Int32Array(64);
  private readonly moreCols = new Map<number, number[]>();
  private lastCol = -1;
  private lastBase = -1;
  private lastResult = -1;
  private readonly forget = (base: number): void => {
    if (base < this.firstCol.length && this.firstCol[base] !== 0) {
      this.clear(this.firstCol[base]! - 1, base);
      this.firstCol[base] = 0;
    }
    const more = this.moreCols.get(base);
    if (more !== undefined) {
      for (const c of more) this.clear(c, base);
      this.moreCols.delete(base);
    }
    this.lastCol = -1;
  };

  constructor(private readonly sets: AttrSets) {
    sets.onFree(this.forget);
  }

  /** `sourceId` -1 is this speaker. Returns the id of the attributes to send, -1 for none. */
  lookup(ctx: ExportContext, family: Family, base: number, sourceId: number, source: RibPeer | undefined, target: RibPeer): number {
    const slot = slotOf(sourceId, family);
    let c = this.colOf.get(slot);
    if (c === undefined) {
      c = this.cols.push(new Int32Array(64)) - 1;
      this.colOf.set(slot, c);
    }
    if (base === this.lastBase && c === this.lastCol) return this.lastResult;
    let col = this.cols[c]!;
    if (base >= col.length) this.cols[c] = col = grown(col, base);
    let v = col[base]!;
    if (v === 0) {
      const r = exportAttributes(ctx, family, this.sets.get(base), source, target);
      if (r === undefined) v = 1;
      else {
        const id = this.sets.internId(r);
        // A set that exports as itself would otherwise hold itself alive.
        if (id !== base) this.sets.ref(id);
        v = id + 2;
      }
      col[base] = v;
      this.note(base, c);
    }
    this.lastCol = c;
    this.lastBase = base;
    this.lastResult = v - 2;
    return v - 2;
  }

  /** A source peer went down: its ids are never reused, so drop what was cached for it. */
  forgetSource(sourceId: number): void {
    for (const [slot, c] of this.colOf) {
      if (Math.floor(slot / FAMILY_SPAN) !== sourceId + 1) continue;
      const col = this.cols[c]!;
      for (let base = 0; base < col.length; base++) this.clear(c, base);
      this.cols[c] = undefined;
      this.colOf.delete(slot);
    }
    this.lastCol = -1;
  }

  /** The target peer is gone: lets go of every derived set. */
  release(): void {
    for (let c = 0; c < this.cols.length; c++) {
      const col = this.cols[c];
      if (col !== undefined) for (let base = 0; base < col.length; base++) this.clear(c, base);
    }
    this.cols.length = 0;
    this.colOf.clear();
    this.moreCols.clear();
    this.sets.offFree(this.forget);
    this.lastCol = -1;
  }

  /** Column `c` now has an entry for `base`. */
  private note(base: number, c: number): void {
    if (base >= this.firstCol.length) this.firstCol = grown(this.firstCol, base);
    const first = this.firstCol[base]!;
    if (first === 0) this.firstCol[base] = c + 1;
    else if (first !== c + 1) {
      const more = this.moreCols.get(base);
      if (more === undefined) this.moreCols.set(base, [c]);
      else if (!more.includes(c)) more.push(c);
    }
  }

  private clear(c: number, base: number): void {
    const col = this.cols[c];
    if (col === undefined || base >= col.length) return;
    const v = col[base]!;
    if (v >= 2 && v - 2 !== base) this.sets.unref(v - 2);
    col[base] = 0;
  }
}

/** `a` widened (doubling) to hold index `i`. */
function grown(a: Int32Array, i: number): Int32Array<ArrayBuffer> {
  return widen(a, Math.max(i + 1, a.length * 2));
}

/** Families are (AFI << 8) | SAFI, below 2^24. */
const FAMILY_SPAN = 0x1000000;

function slotOf(sourceId: number, family: Family): number {
  return (sourceId + 1) * FAMILY_SPAN + family;
}
