/**
 * The kernel objects of a load-balancer network (docker-bgp-lb's, contract §2.5): one bridge per
 * network with no address, hub-like (ageing time 0: nothing learned, every frame flooded;
 * group_fwd_mask 0xfff8: link-local groups other than STP/pause/bond are forwarded), a veth pair
 * per container with the host end on the bridge, and host routes `<ip>/32|128 dev <bridge>` once
 * the container may take traffic.
 *
 * Every call here answers (ip-command.ts): the Docker plugin must fail a Join whose veth could not
 * be made. Host routes carry their own protocol number so that only the routes this code added
 * are ever deleted (docker-bgp-lb deletes every route on the bridge).
 */
import { randomBytes } from 'node:crypto';
import { IpCommand, isGone } from './ip-command.js';

/** Route protocol of bgplb's host routes: a number nobody registered (the kernel's own are
 *  0-4, rtnetlink.h names 9-18, 42, 99 and 186-192; FRR's rt_protos.d uses 186-197, e.g. 196
 *  for its static routes; bgpipe's FIB uses 186). */
export const LB_ROUTE_PROTO = 201;

interface JsonLinkInfo {
  ifname: string;
  linkinfo?: { info_kind?: string };
}

interface JsonRoute {
  dst: string;
  dev?: string;
  protocol?: string | number;
}

export interface LbBridgeOptions {
  /** iproute2's ip; default `ip` from PATH. */
  readonly ip?: string;
}

export class LbBridges {
  private readonly ip: IpCommand;

  constructor(opts: LbBridgeOptions = {}) {
    this.ip = new IpCommand(opts.ip);
  }

  private async link(name: string): Promise<JsonLinkInfo | undefined> {
    try {
      return (await this.ip.json<JsonLinkInfo>(['-d', 'link', 'show', 'dev', name]))[0];
    } catch (e) {
      if (isGone(e)) return undefined;
      throw e;
    }
  }

  async exists(name: string): Promise<boolean> {
    return this.ip.linkExists(name);
  }

  /** Make (or re-use) the bridge, up; a non-bridge link of that name is an error. */
  async ensureBridge(name: string): Promise<void> {
    const l = await this.link(name);
    if (l === undefined) {
      await this.ip.run(['link', 'add', name, 'type', 'bridge', 'ageing_time', '0', 'group_fwd_mask', '0xfff8']);
    } else if (l.linkinfo?.info_kind !== 'bridge') {
      throw new Error(`existing interface ${name} is not a bridge`);
    } else {
      await this.ip.run(['link', 'set', name, 'type', 'bridge', 'ageing_time', '0', 'group_fwd_mask', '0xfff8']);
    }
    await this.ip.run(['link', 'set', name, 'up']);
  }

  /** Delete a link; false when it was not there. */
  async deleteLink(name: string): Promise<boolean> {
    return this.ip.deleteLink(name);
  }

  /**
   * A veth pair `vethXXXXXXXX` / `vethYYYYYYYY` (8 random hex digits each, docker-bgp-lb's
   * names): the outer end enslaved to `bridge` and up, the inner end left for Docker to move
   * into the container. Returns both names.
   */
  async addVeth(bridge: string): Promise<{ outer: string; inner: string }> {
    const outer = `veth${randomBytes(4).toString('hex')}`;
    const inner = `veth${randomBytes(4).toString('hex')}`;
    await this.ip.run(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
    try {
      await this.ip.run(['link', 'set', outer, 'master', bridge]);
      await this.ip.run(['link', 'set', outer, 'up']);
    } catch (e) {
      await this.deleteLink(outer).catch(() => undefined);
      throw e;
    }
    return { outer, inner };
  }

  /** `<prefix> dev <bridge> proto 201` in the main table (replace: idempotent). */
  async addHostRoute(prefix: string, dev: string): Promise<void> {
    await this.ip.run([...family(prefix), 'route', 'replace', prefix, 'dev', dev, 'proto', String(LB_ROUTE_PROTO)]);
  }

  /** Delete our host route; false when there was none. */
  async deleteHostRoute(prefix: string, dev: string): Promise<boolean> {
    return this.ip.runUnlessGone([...family(prefix), 'route', 'del', prefix, 'dev', dev, 'proto', String(LB_ROUTE_PROTO)]);
  }

  /** Our host routes on `dev` (IPv4 and IPv6), as "a.b.c.d/32" / "x::y/128". */
  async hostRoutes(dev: string): Promise<string[]> {
    const out: string[] = [];
    for (const f of ['-4', '-6']) {
      let routes: JsonRoute[];
      try {
        routes = await this.ip.json<JsonRoute>([f, 'route', 'show', 'dev', dev, 'proto', String(LB_ROUTE_PROTO)]);
      } catch (e) {
        if (isGone(e)) return [];
        throw e;
      }
      for (const r of routes) {
        out.push(r.dst.includes('/') ? r.dst : `${r.dst}/${f === '-4' ? 32 : 128}`);
      }
    }
    return out;
  }
}

function family(prefix: string): string[] {
  return prefix.includes(':') ? ['-6'] : ['-4'];
}
