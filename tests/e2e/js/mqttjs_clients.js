// MQTT.js 5 from Node against a running broker: for MQTT 3.1.1 and 5, a
// subscriber over WebSocket receives QoS 0, 1 and 2 from a publisher over
// WebSocket and from one over TCP, at the QoS it was sent. Exits 0 when
// every message arrived as sent, 1 otherwise (saying what is missing).
//
//   node mqttjs_clients.js --ws URL [--tcp URL] [--ca FILE] [--timeout MS]
//
// URL: ws://127.0.0.1:PORT/mqtt, wss://127.0.0.1:PORT/mqtt (the server's
// certificate must chain to --ca and name localhost), mqtt://127.0.0.1:PORT.
// Run by tests/e2e/test_ws_js.py with the broker it started.
'use strict';

const mqtt = require('mqtt');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    ws: { type: 'string' },
    tcp: { type: 'string' },
    ca: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
  },
});
if (!args.ws) {
  console.error('usage: node mqttjs_clients.js --ws URL [--tcp URL] [--ca FILE]');
  process.exit(2);
}
const timeoutMs = Number(args.timeout);

function connect(url, clientId, protocolVersion) {
  const options = { clientId, protocolVersion, reconnectPeriod: 0, connectTimeout: timeoutMs };
  if (args.ca) {
    options.ca = require('node:fs').readFileSync(args.ca);
    options.servername = 'localhost';  // checked against the certificate
    options.rejectUnauthorized = true;
  }
  const client = mqtt.connect(url, options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (e) => reject(new Error(`${clientId} at ${url}: ${e.message}`)));
  });
}

async function scenario(protocolVersion, publisherUrl, label) {
  const tag = `${label}-v${protocolVersion}`;
  const sub = await connect(args.ws, `sub-${tag}`, protocolVersion);
  const pub = await connect(publisherUrl, `pub-${tag}`, protocolVersion);
  try {
    const topic = `js/${tag}`;
    const granted = await sub.subscribeAsync(`${topic}/#`, { qos: 2 });
    if (granted[0].qos !== 2) throw new Error(`${tag}: granted ${JSON.stringify(granted)}`);
    const expected = new Map();
    const got = new Map();
    const all = new Promise((resolve) => {
      sub.on('message', (t, payload, packet) => {
        got.set(t, { payload: payload.toString(), qos: packet.qos });
        if (got.size === 3) resolve();
      });
    });
    for (const qos of [0, 1, 2]) {
      const payload = `${tag} qos ${qos} ` + 'x'.repeat(qos * 1000);
      expected.set(`${topic}/${qos}`, { payload, qos });
      await pub.publishAsync(`${topic}/${qos}`, payload, { qos });
    }
    const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs));
    await Promise.race([all, timer]);
    const problems = [];
    for (const [t, e] of expected) {
      const g = got.get(t);
      if (!g) problems.push(`${t}: missing`);
      else if (g.payload !== e.payload || g.qos !== e.qos)
        problems.push(`${t}: got qos ${g.qos} ${JSON.stringify(g.payload.slice(0, 40))}`);
    }
    return problems;
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

async function main() {
  const problems = [];
  const publishers = [[args.ws, 'ws']];
  if (args.tcp) publishers.push([args.tcp, 'tcp']);
  for (const protocolVersion of [4, 5]) {
    for (const [url, label] of publishers) {
      const p = await scenario(protocolVersion, url, label);
      console.log(`${label} -> ws, MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS 0/1/2: ` +
                  (p.length ? `FAILED ${p.join('; ')}` : 'ok'));
      problems.push(...p);
    }
  }
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
