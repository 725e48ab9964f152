// A minimal EdgeIoT device outside .NET: signs a transaction as a JWS (EdDSA/Ed25519), publishes it
// to its zone with MQTT, and accepts the verifier-signed RESPONSE on its own topic.
// Usage: node device.mjs <data-dir> <device-id> <app> <op> '<args JSON>'
// e.g.   node device.mjs data/local d0001 ledger transfer '{"from":"acct/1","to":"acct/2","amount":5}'
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { CompactSign, compactVerify, importJWK } from 'jose';

const [dataDir, deviceId, app, op, argsJson] = process.argv.slice(2);
if (!dataDir || !deviceId || !app || !op) {
  console.error("usage: node device.mjs <data-dir> <device-id> <app> <op> '<args JSON>'");
  process.exit(2);
}
const registry = JSON.parse(fs.readFileSync(path.join(dataDir, 'network.json'), 'utf8'));
const device = registry.devices.find(d => d.id === deviceId);
if (!device) { console.error(`device ${deviceId} is not in the registry`); process.exit(2); }

// The key file holds the Ed25519 seed (base64url); the registry holds the public key.
const seed = fs.readFileSync(path.join(dataDir, 'keys', 'devices', `${deviceId}.key`), 'utf8').trim();
const privateKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: device.publicKey, d: seed }, 'EdDSA');
const verifierKey = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: registry.verifier.publicKey }, 'EdDSA');

// Timestamps must strictly increase per device: microseconds since the epoch do.
const ts = Date.now() * 1000;
const payload = { dev: deviceId, zone: device.zone, ts, app, op, args: JSON.parse(argsJson ?? '{}') };
const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
  .setProtectedHeader({ alg: 'EdDSA', kid: deviceId })
  .sign(privateKey);

const prefix = registry.mqtt.topicPrefix;
const client = mqtt.connect(`mqtt://${registry.mqtt.host}:${registry.mqtt.port}`, { clientId: `node-${deviceId}-${process.pid}` });
const timeout = setTimeout(() => { console.error('no verified response within 30 s'); process.exit(1); }, 30_000);

client.on('connect', () => {
  client.subscribe([`${prefix}/devices/${deviceId}/response`, `${prefix}/devices/${deviceId}/error`], { qos: 1 }, () => {
    client.publish(`${prefix}/zones/${device.zone}/tx`, jws, { qos: 1 });
  });
});

client.on('message', async (topic, message) => {
  if (topic.endsWith('/error')) {
    // Gateways are untrusted: a refusal is advice. Print it, keep waiting for the verifier.
    console.error(`gateway refusal: ${message.toString()}`);
    return;
  }
  try {
    const { payload: body } = await compactVerify(message.toString(), verifierKey);
    const response = JSON.parse(new TextDecoder().decode(body));
    if (response.dev !== deviceId || response.ts !== ts) return; // someone else's, or an older answer
    clearTimeout(timeout);
    console.log(JSON.stringify(response));
    client.end();
    process.exit(response.status === 'committed' ? 0 : 3);
  } catch {
    // Not signed by the verifier: ignore it.
  }
});
