// The documentation example, run with node-redis against a server at the given port: strings
// with EX, hashes, lists, a transaction, and pub/sub on a duplicate() connection while the
// main client publishes. Exits non-zero (with the reason) on any difference.
import assert from 'node:assert/strict';
import { createClient } from 'redis';

const port = Number(process.argv[2]);
const client = createClient({ url: `redis://127.0.0.1:${port}` });
client.on('error', (err) => { console.error('client error', err); process.exit(1); });
await client.connect();

assert.equal(await client.set('greeting', 'hello', { EX: 60 }), 'OK');
assert.equal(await client.get('greeting'), 'hello');
const ttl = await client.ttl('greeting');
assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);

assert.equal(await client.hSet('user:1', { name: 'Ada', lang: 'en' }), 2);
// node-redis returns a null-prototype object; compare its own entries.
assert.deepEqual({ ...(await client.hGetAll('user:1')) }, { name: 'Ada', lang: 'en' });

assert.equal(await client.lPush('jobs', ['a', 'b', 'c']), 3);
assert.deepEqual(await client.lRange('jobs', 0, -1), ['c', 'b', 'a']);

const results = await client.multi().incr('visits').incr('visits').get('visits').exec();
assert.deepEqual(results, [1, 2, '2']);

const subscriber = client.duplicate();
await subscriber.connect();
const received = [];
let resolveAll;
const allReceived = new Promise((resolve) => { resolveAll = resolve; });
// subscribe() resolves once the server confirmed the subscription.
await subscriber.subscribe('news', (message, channel) => {
  received.push([channel, message]);
  if (received.length === 2) resolveAll();
});
assert.equal(await client.publish('news', 'first'), 1);
assert.equal(await client.publish('news', 'second'), 1);
await allReceived;
assert.deepEqual(received, [['news', 'first'], ['news', 'second']]);

await subscriber.unsubscribe('news');
await subscriber.quit();
await client.quit();
console.log('node-redis docs example: ok');
