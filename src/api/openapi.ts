/**
 * The OpenAPI 3.1 description of bgpiped's HTTP API, served at GET /openapi.json: bagpipe-bgp's
 * REST API as bgpipe implements it (field names, types and defaults of
 * ../shared/specs/bagpipe-bgp-reference.md §3) and bgpipe's own read-only endpoints.
 */
const rt = { type: 'array', items: { type: 'string', pattern: '^[0-9.]+:[0-9]+$' }, description: 'route targets "ASN:NN" (or "IP:NN"); a comma-separated string is accepted too' };

const localPort = {
  description: 'a Linux interface name, {"linuxif": name}, or {"evpn": {"id": <evpn vpn_instance_id>}} to attach an ipvpn to an EVI',
  oneOf: [
    { type: 'string' },
    { type: 'object', properties: { linuxif: { type: 'string' } }, required: ['linuxif'] },
    { type: 'object', properties: { evpn: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }, required: ['evpn'] },
  ],
};

const endpoint = {
  vpn_type: { type: 'string', enum: ['evpn', 'ipvpn'] },
  vpn_instance_id: { type: 'string', description: 'attachments that share it go into one VPN instance' },
  mac_address: { type: 'string', example: '52:54:00:00:01:01' },
  local_port: localPort,
  ip_address: { type: 'string', description: 'a.b.c.d[/len] (a bare address means /32); required for ipvpn', example: '10.0.0.5/24' },
};

const attachBody = {
  type: 'object',
  required: ['vpn_type', 'vpn_instance_id', 'mac_address', 'local_port', 'import_rt', 'export_rt'],
  properties: {
    ...endpoint,
    import_rt: rt,
    export_rt: rt,
    gateway_ip: { type: 'string', description: 'required for ipvpn' },
    advertise_subnet: { type: 'boolean', default: false },
    direction: { type: ['string', 'null'], enum: ['both', 'to-port', 'from-port', '', null], default: 'both', description: 'only "both" is supported by the drivers' },
    vni: { type: ['integer', 'null'], default: 0, description: '0: allocate' },
    linuxbr: { type: 'string', description: 'evpn: an existing bridge to use' },
    readvertise: { type: ['object', 'null'], properties: { from_rt: rt, to_rt: rt }, required: ['from_rt', 'to_rt'] },
    attract_traffic: { type: 'object', description: 'route readvertisement part only; a non-empty redirect_rts (FlowSpec) is refused' },
    lb_consistent_hash_order: { type: 'integer', default: 0 },
    local_pref: { type: ['integer', 'null'] },
    fallback: { type: 'object' },
    description: {},
    instance_description: {},
  },
};

const apiError = {
  description: 'a client mistake; nothing was changed',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { code: { type: 'integer' }, title: { type: 'string' }, description: { type: 'string', example: "API error: Missing parameter: 'mac_address'" } },
      },
    },
  },
};

const ok = { description: 'done', content: { 'application/json': { schema: { type: 'null' } } } };
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'bgpiped local API',
    version: '0.1.0',
    description: "bagpipe-bgp's REST API (drop-in for its clients) and bgpipe's read-only views. Listens on 127.0.0.1:8082 by default.",
  },
  paths: {
    '/attach_localport': {
      post: { summary: 'Attach a local port to a VPN instance (created at its first attach); idempotent', requestBody: { required: true, content: { 'application/json': { schema: attachBody } } }, responses: { 200: ok, 400: apiError } },
    },
    '/detach_localport': {
      post: {
        summary: 'Detach a local port (the instance goes with its last port)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['vpn_type', 'vpn_instance_id', 'mac_address', 'local_port'], properties: endpoint } } } },
        responses: { 200: ok, 400: apiError },
      },
    },
    '/ping': { get: { summary: 'A 128-bit integer, new at each start (clients re-send their attachments when it changes)', responses: { 200: { description: 'the integer, as exact digits', content: { 'application/json': { schema: { type: 'integer' } } } } } } },
    '/looking-glass/{path}': { get: { summary: "bagpipe-bgp's looking glass (summary, config, logs, bgp/…, vpns/…)", parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: json('the object at that path'), 404: apiError } } },
    '/bgpipe/v1/global': { get: { summary: 'AS, router id, listeners', responses: { 200: json('GlobalView') } } },
    '/bgpipe/v1/neighbors': { get: { summary: 'BGP sessions', responses: { 200: json('NeighborView[]') } } },
    '/bgpipe/v1/neighbors/{address}': { get: { summary: 'One BGP session', parameters: [{ name: 'address', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: json('NeighborView'), 404: apiError } } },
    '/bgpipe/v1/rib': {
      get: {
        summary: 'Loc-RIB of a family, or a neighbour Adj-RIB-In/Out',
        parameters: [
          { name: 'family', in: 'query', schema: { type: 'string', default: 'ipv4-unicast' }, description: 'GoBGP afi-safi-name or ipv4, ipv6, evpn, vpnv4, vpnv6, rtc' },
          { name: 'neighbor', in: 'query', schema: { type: 'string' } },
          { name: 'table', in: 'query', schema: { type: 'string', enum: ['in', 'out'] } },
        ],
        responses: { 200: json('DestinationView[] or PathView[]'), 400: apiError },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'OpenMetrics text', content: { 'text/plain': {} } } } } },
  },
} as const;
