/**
 * Identifier allocation as bagpipe-bgp does it (vpn/identifier_allocators.py, reference §3.5):
 * a counter that moves past allocated ids, and released ids reused (oldest first) only once the
 * counter has passed MAX. So a freshly started daemon hands out the same ids for the same
 * sequence of attachments: labels from 16 (one per instance, one per MAC; RFC 3032 §2.1
 * reserves 0–15), RDs `<local_address>:n` from 0.
 */

/** What an id is for, or how to say it: the text is only read by the looking glass, and making
 *  it (an endpoint's Python tuple) costs more than the allocation, so callers may defer it. */
export type Description = string | (() => string);

export class IdAllocator {
  private readonly allocated = new Map<number, Description>();
  private readonly released: number[] = [];
  private current: number;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.current = min;
  }

  allocate(description: Description): number {
    if (this.current > this.max) {
      const id = this.released.shift();
      if (id === undefined) throw new Error(`no identifier left (maximum ${this.max})`);
      this.allocated.set(id, description);
      return id;
    }
    const id = this.current;
    this.allocated.set(id, description);
    do this.current++;
    while (this.allocated.has(this.current));
    return id;
  }

  release(id: number): void {
    if (!this.allocated.delete(id)) return;
    this.released.push(id);
  }

  /** id → what it is for (the looking glass's /vpns/dataplane/ids). */
  entries(): ReadonlyMap<number, string> {
    const out = new Map<number, string>();
    for (const [id, d] of this.allocated) {
      const text = typeof d === 'string' ? d : d();
      if (typeof d !== 'string') this.allocated.set(id, text);
      out.set(id, text);
    }
    return out;
  }
}

/** MPLS labels / local VNIs: 16 .. 2^20-1. */
export class LabelAllocator extends IdAllocator {
  constructor() {
    super(16, 0xfffff);
  }
}

/** Type 1 route distinguishers `<address>:n`, n in 0..65535 (RFC 4364 §4.2). */
export class RdAllocator {
  private readonly ids = new IdAllocator(0, 0xffff);
  constructor(readonly address: string) {}
  allocate(description: Description): string {
    return `${this.address}:${this.ids.allocate(description)}`;
  }
  release(rd: string): void {
    this.ids.release(Number(rd.slice(rd.lastIndexOf(':') + 1)));
  }
}
