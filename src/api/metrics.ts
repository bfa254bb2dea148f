/**
 * Prometheus metrics (prom-client), rendered from the same model as the CLI and the API:
 * session state and prefix counts are read at scrape time; message counters are live.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BgpipeModel } from './model.js';

const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export class Metrics {
  readonly registry = new Registry();
  readonly messages: Counter<'peer' | 'direction' | 'type'>;
  readonly updates: Counter<'peer' | 'direction'>;
  readonly sessionTransitions: Counter<'peer' | 'to'>;

  constructor(model: BgpipeModel) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'bgpipe_' });
    this.messages = new Counter({
      name: 'bgpipe_messages_total',
      help: 'BGP messages by neighbour, direction (in|out) and type',
      labelNames: ['peer', 'direction', 'type'],
      registers: [registry],
    });
    this.updates = new Counter({
      name: 'bgpipe_updates_total',
      help: 'UPDATE messages by neighbour and direction (in|out)',
      labelNames: ['peer', 'direction'],
      registers: [registry],
    });
    this.sessionTransitions = new Counter({
      name: 'bgpipe_session_transitions_total',
      help: 'Sessions reaching Established (to="up") or leaving it (to="down")',
      labelNames: ['peer', 'to'],
      registers: [registry],
    });
    new Gauge({
      name: 'bgpipe_sessions',
      help: 'Neighbours by FSM state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = new Map(STATES.map((s) => [s, 0]));
        for (const n of model.neighbors()) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
        this.reset();
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'bgpipe_session_established',
      help: '1 when the session with the neighbour is Established',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of model.neighbors()) this.set({ peer: n.address }, n.state === 'Established' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'bgpipe_prefixes',
      help: 'Prefixes per neighbour and family: received (Adj-RIB-In), accepted (after import policy), advertised (Adj-RIB-Out)',
      labelNames: ['peer', 'family', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of model.neighbors()) {
          for (const p of n.prefixes) {
            this.set({ peer: n.address, family: p.family, kind: 'received' }, p.received);
            this.set({ peer: n.address, family: p.family, kind: 'accepted' }, p.accepted);
            this.set({ peer: n.address, family: p.family, kind: 'advertised' }, p.advertised);
          }
        }
      },
    });
  }
}
