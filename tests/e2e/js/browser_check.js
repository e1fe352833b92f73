// A real browser as a client: headless Chromium loads browser_page.html,
// whose MQTT.js browser build connects over WebSocket and subscribes; then
// mosquitto_pub sends a message over TCP, and the page must show it. The
// page's state is read through the DevTools protocol (with the `ws` package
// MQTT.js already brings). Exits 0 when the page shows the message, 1 with
// the page's state otherwise.
//
//   node browser_check.js --url ws://127.0.0.1:PORT/mqtt --tcp-port PORT
//        [--version 4|5] [--timeout MS]
'use strict';

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const WebSocket = require('ws');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'tcp-port': { type: 'string' },
    version: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '15000' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // For wss:// with a test CA the browser does not know: the base64
    // SHA-256 of the server key's SubjectPublicKeyInfo, which Chromium then
    // accepts (that key only, not any certificate).
    spki: { type: 'string' },
  },
});
const timeoutMs = Number(args.timeout);
const topic = `browser/${process.pid}`;
const payload = `hello browser ${Date.now()}`;

class Failure extends Error {}

function fail(why) {
  throw new Failure(why);
}

// Starts Chromium on the page and resolves with the DevTools endpoint it
// prints on stderr.
function launch(pageUrl, profile) {
  const chromium = spawn(args.chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--no-first-run', '--disable-extensions', '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    ...(args.spki ? [`--ignore-certificate-errors-spki-list=${args.spki}`] : []), pageUrl,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const endpoint = new Promise((resolve, reject) => {
    chromium.stderr.on('data', (d) => {
      stderr += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    chromium.on('exit', (code) => reject(new Error(`chromium exited ${code}: ${stderr}`)));
  });
  return { chromium, endpoint };
}

// A minimal DevTools client: send(method, params) -> result.
function devtools(url) {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let next = 1;
  const waiting = new Map();
  socket.on('message', (data) => {
    const msg = JSON.parse(data);
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(JSON.stringify(msg.error)));
    else w.resolve(msg.result);
  });
  const opened = new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return opened.then(() => ({
    send(method, params = {}, sessionId) {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    close() { socket.close(); },
  }));
}

// Resolves with the page's state once `wanted` (or a failure) shows, or
// with what it shows when the time is up.
async function waitForState(cdp, sessionId, wanted) {
  // Polled, since the page may still be loading (no element yet).
  const expression = `new Promise((resolve) => {
    const wanted = ${JSON.stringify(wanted)};
    const read = () => document.getElementById('state')?.textContent ?? 'loading';
    const done = (s) => wanted.includes(s) || /^(error|closed|subscribe failed)/.test(s);
    const started = Date.now();
    const poll = () => {
      const s = read();
      if (done(s) || Date.now() - started > ${timeoutMs}) resolve(s);
      else setTimeout(poll, 20);
    };
    poll();
  })`;
  // The page may be replaced while it loads (about:blank, then the file):
  // an evaluation in the old document is lost and asked again.
  const deadline = Date.now() + timeoutMs;
  let r;
  for (;;) {
    try {
      r = await cdp.send('Runtime.evaluate', { expression, awaitPromise: true,
                                               returnByValue: true }, sessionId);
      break;
    } catch (e) {
      if (!/context was destroyed|Cannot find context/.test(e.message) || Date.now() > deadline)
        throw e;
    }
  }
  if (r.exceptionDetails) return `error: ${JSON.stringify(r.exceptionDetails).slice(0, 300)}`;
  return r.result.value;
}

function mosquittoPub() {
  return new Promise((resolve, reject) => {
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', args['tcp-port'], '-q', '1', '-t', topic,
                               '-m', payload], { timeout: timeoutMs },
             (err, stdout, stderr) => (err ? reject(new Error(`${err} ${stderr}`)) : resolve()));
  });
}

async function main() {
  if (!args.url || !args['tcp-port']) fail('usage: --url WS_URL --tcp-port PORT');
  const page = path.join(__dirname, 'browser_page.html');
  const query = new URLSearchParams({ url: args.url, topic, version: args.version });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-chromium-'));
  const { chromium, endpoint } = launch(`file://${page}?${query}`, profile);
  const guard = setTimeout(() => {
    console.error('FAILED: no answer from chromium in time');
    chromium.kill('SIGKILL');
    process.exit(1);
  }, timeoutMs * 3);
  try {
    const cdp = await devtools(await endpoint);
    const { targetInfos } = await cdp.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'page' && t.url.startsWith('file:'));
    if (!target) fail(`no page target among ${JSON.stringify(targetInfos)}`);
    const { sessionId } = await cdp.send('Target.attachToTarget',
                                         { targetId: target.targetId, flatten: true });
    const subscribed = await waitForState(cdp, sessionId, ['subscribed', 'received']);
    if (subscribed !== 'subscribed') fail(`the page did not subscribe; it shows ${JSON.stringify(subscribed)}`);
    await mosquittoPub();
    const final = await waitForState(cdp, sessionId, ['received']);
    const shown = (await cdp.send('Runtime.evaluate', {
      expression: "document.getElementById('messages').textContent", returnByValue: true,
    }, sessionId)).result.value;
    await cdp.send('Browser.close').catch(() => {});
    cdp.close();
    if (final !== 'received' || shown !== `${topic} ${payload}`)
      fail(`the page shows state "${final}" and messages "${shown}"`);
    console.log(`the page shows "${shown}"`);
  } finally {
    clearTimeout(guard);
    if (chromium.exitCode === null && chromium.signalCode === null) {
      const exited = new Promise((resolve) => chromium.once('exit', resolve));
      chromium.kill('SIGKILL');
      await exited;
    }
    // Its helper processes may still be writing the profile for a moment.
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    } catch (e) {
      console.error(`warning: ${profile} left behind: ${e.message}`);
    }
  }
}

main().then(
  () => { process.exitCode = 0; },
  (e) => {
    console.error(`FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
    process.exitCode = 1;
  });
