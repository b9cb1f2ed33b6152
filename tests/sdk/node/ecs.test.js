'use strict';
// Official Alibaba Cloud Node SDKs against the ecs-mock emulator.
//
//   * @alicloud/ecs20140526 + @alicloud/openapi-core (V3 ACS3-HMAC-SHA256 by default,
//     V1 HMAC-SHA1 with signatureAlgorithm 'v2')
//   * @alicloud/pop-core RPCClient (V1, GET by default, POST = form body)
//
// The server binary comes from $ECS_MOCK_BIN, default <repo>/target/release/ecs-mock.
// Run: cd tests/sdk/node && npm ci && node --test

const { test, describe } = require('node:test');
const { useServer } = require('./server');
const helpers = require('./helpers');
const { UUID_UPPER, sleep, rejection } = helpers;
const assert = require('node:assert/strict');

const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const AK = 'test';
const SK = 'test';
const REGION = 'cn-hangzhou';
const STOPPED = 'i-bp1stopped0000000001';
const RUNNING = 'i-bp1running0000000001';
const SECLOCK = 'i-bp1seclock0000000001';
const MISSING = 'i-bp1doesnotexist00001';
const IMAGE = 'aliyun_3_x64_20G_alibase_20250101.vhd';

const MSG_RUNNING = 'The specified instance is in an incorrect status for the requested action; ' +
  'Status of the specified instance is Running but the expected status is in (Stopped).';
const MSG_NOT_FOUND = 'The specified InstanceId does not exist.';
const MSG_SIG_PREFIX = 'Specified signature is not matched with our calculation. server string to sign is:';

const TEST_TIMEOUT = 30_000;
const POLL_TIMEOUT = 10_000;

// One server for this file (server.js), reset before each test.
const srv = useServer();

// ---------------------------------------------------------------------------------------------
// clients and helpers

// README:node-ecs:begin
// @alicloud/ecs20140526 on @alicloud/openapi-core: V3 ACS3-HMAC-SHA256 signatures, or V1
// HMAC-SHA1 with { signatureAlgorithm: 'v2' }.
function ecsMockClient(endpoint = '127.0.0.1:8080', extra = {}) {
  const Ecs = require('@alicloud/ecs20140526');
  const { $OpenApiUtil } = require('@alicloud/openapi-core');
  return new Ecs.default(new $OpenApiUtil.Config({
    accessKeyId: 'test',
    accessKeySecret: 'test',
    regionId: 'cn-hangzhou',
    endpoint, // host:port, no scheme (signed as the `host` header under V3)
    protocol: 'http',
    connectTimeout: 5_000,
    readTimeout: 5_000,
    ...extra,
  }));
}
// README:node-ecs:end

// README:node-pop-core:begin
// @alicloud/pop-core RPCClient: V1 HMAC-SHA1, GET by default ({ method: 'POST' } sends a form).
function popCoreClient(endpoint = '127.0.0.1:8080', extra = {}) {
  const { RPCClient } = require('@alicloud/pop-core');
  return new RPCClient({
    accessKeyId: 'test',
    accessKeySecret: 'test',
    endpoint: `http://${endpoint}`,
    apiVersion: '2014-05-26',
    ...extra,
  });
}
// README:node-pop-core:end

// README:node-account:begin
// A throwaway ecs-mock account for one node:test test: its own AccessKey, and instances
// no other account sees. fault() adds a fault rule that matches only its calls; when the
// test ends (t.after) the account is deleted with its instances and faults, and every
// zone patchZone() changed is put back, so tests need no global reset.
async function ecsMockAccount(t, base = 'http://127.0.0.1:8080', settings = {}) {
  const call = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const created = await call('POST', '/_mock/accounts', settings);
  const id = created.AccountId;
  const zones = new Map(); // zone id -> { Stock, SpotPrices } to put back
  const account = {
    accountId: id,
    accessKeyId: created.AccessKeyId,
    accessKeySecret: created.AccessKeySecret,
    async fault(rule) {
      const body = { ...rule, Match: { ...rule.Match, AccountId: id } };
      return (await call('POST', '/_mock/faults', body)).FaultId;
    },
    patchInstance: (instanceId, fields) => call('PATCH', `/_mock/instances/${instanceId}`, fields),
    async patchZone(zoneId, fields) {
      const saved = zones.get(zoneId) || { Stock: {}, SpotPrices: {} };
      zones.set(zoneId, saved);
      const state = await call('GET', '/_mock/state');
      const zone = state.Regions.flatMap((r) => r.Zones).find((z) => z.ZoneId === zoneId);
      for (const key of ['Stock', 'SpotPrices']) {
        for (const type of Object.keys(fields[key] || {})) {
          if (type in saved[key]) continue;
          let value = zone[key][type] ?? null;
          if (key === 'Stock' && value !== null) { // stock its instances hold comes back on delete
            value += state.Instances.filter((i) => i.AccountId === id && i.ZoneId === zoneId &&
              i.InstanceType === type && i.StoppedMode !== 'StopCharging').length;
          }
          saved[key][type] = value;
        }
      }
      return call('PATCH', `/_mock/zones/${zoneId}`, fields);
    },
    async requests(filters = {}) {
      const query = new URLSearchParams({ AccountId: id, ...filters });
      return (await call('GET', `/_mock/requests?${query}`)).Requests;
    },
    async cleanup() {
      await call('DELETE', `/_mock/accounts/${id}`);
      for (const [zoneId, saved] of zones) await call('PATCH', `/_mock/zones/${zoneId}`, saved);
    },
  };
  t.after(() => account.cleanup());
  return account;
}
// README:node-account:end

function ecsClient(extra = {}) {
  return ecsMockClient(srv.hostPort, { accessKeyId: AK, accessKeySecret: SK, regionId: REGION, ...extra });
}

function popClient(extra = {}) {
  return popCoreClient(srv.hostPort, { accessKeyId: AK, accessKeySecret: SK, ...extra });
}


async function describeInstances(client, ids) {
  const resp = await client.describeInstances(new Ecs.DescribeInstancesRequest({
    regionId: REGION,
    instanceIds: JSON.stringify(ids),
  }));
  assert.equal(resp.statusCode, 200);
  assert.match(resp.body.requestId, UUID_UPPER);
  const list = resp.body.instances && resp.body.instances.instance;
  assert.ok(Array.isArray(list), `Instances.Instance must be an array, got ${JSON.stringify(resp.body.instances)}`);
  return list;
}

async function statusOf(client, id) {
  const list = await describeInstances(client, [id]);
  assert.equal(list.length, 1, `DescribeInstances(${id}) returned ${list.length} instances`);
  assert.equal(list[0].instanceId, id);
  return list[0].status;
}

// Poll until the instance reports `want`; fail with the observed history after `timeoutMs`.
function waitForStatus(client, id, want, timeoutMs = POLL_TIMEOUT) {
  return helpers.waitFor(id, () => statusOf(client, id), want, timeoutMs, 200);
}

// helpers.assertOpenApiError, and the rest of the error as the SDK shows it.
function assertOpenApiError(err, { code, status, message }) {
  helpers.assertOpenApiError(err, { code, status });
  assert.equal(err.requestId, err.data.RequestId);
  assert.equal(typeof err.data.HostId, 'string');
  assert.equal(err.data.Recommend,
    `https://api.aliyun.com/troubleshoot?q=${code}&product=Ecs&requestId=${err.data.RequestId}`);
  if (message !== undefined) {
    assert.equal(err.data.Message, message);
    assert.ok(err.message.includes(message), `message ${JSON.stringify(err.message)} should contain ${JSON.stringify(message)}`);
  }
  assert.ok(err.message.includes(`code: ${status}`), `message ${JSON.stringify(err.message)}`);
  assert.ok(err.message.includes(err.data.RequestId), `message ${JSON.stringify(err.message)} should carry the request id`);
}

// ---------------------------------------------------------------------------------------------
// 1. @alicloud/ecs20140526 (openapi-core)

describe('@alicloud/ecs20140526 (V3 ACS3-HMAC-SHA256)', { timeout: TEST_TIMEOUT }, () => {
  test('StartInstance on a stopped instance: Starting, then Running', async () => {
    const client = ecsClient();
    assert.equal(await statusOf(client, STOPPED), 'Stopped');

    const resp = await client.startInstance(new Ecs.StartInstanceRequest({ instanceId: STOPPED }));
    assert.equal(resp.statusCode, 200);
    assert.match(resp.body.requestId, UUID_UPPER);

    assert.equal(await statusOf(client, STOPPED), 'Starting');
    const seen = await waitForStatus(client, STOPPED, 'Running');
    assert.deepEqual(seen.filter((s) => s !== 'Starting' && s !== 'Running'), [], `unexpected statuses ${seen}`);
  });

  test('StartInstance on a running instance: IncorrectInstanceStatus 403', async () => {
    const client = ecsClient();
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: RUNNING })));
    assertOpenApiError(err, { code: 'IncorrectInstanceStatus', status: 403, message: MSG_RUNNING });
    assert.equal(await statusOf(client, RUNNING), 'Running');
  });

  test('StartInstance on an unknown instance: InvalidInstanceId.NotFound 404', async () => {
    const client = ecsClient();
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: MISSING })));
    assertOpenApiError(err, { code: 'InvalidInstanceId.NotFound', status: 404, message: MSG_NOT_FOUND });
  });

  test('StartInstance on a security-locked instance: InstanceLockedForSecurity 403', async () => {
    const client = ecsClient();
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: SECLOCK })));
    assertOpenApiError(err, { code: 'InstanceLockedForSecurity', status: 403 });
  });

  test('signatureAlgorithm v2 (V1 HMAC-SHA1 query signature) also works', async () => {
    const client = ecsClient({ signatureAlgorithm: 'v2' });
    const resp = await client.startInstance(new Ecs.StartInstanceRequest({ instanceId: STOPPED }));
    assert.equal(resp.statusCode, 200);
    assert.match(resp.body.requestId, UUID_UPPER);
    assert.ok(['Starting', 'Running'].includes(await statusOf(client, STOPPED)));
    await waitForStatus(client, STOPPED, 'Running');

    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: RUNNING })));
    assertOpenApiError(err, { code: 'IncorrectInstanceStatus', status: 403, message: MSG_RUNNING });
  });

  test('StartInstances SuccessFirst over [stopped, running]: per-instance codes', async () => {
    const client = ecsClient();
    const resp = await client.startInstances(new Ecs.StartInstancesRequest({
      regionId: REGION,
      instanceId: [STOPPED, RUNNING],
      batchOptimization: 'SuccessFirst',
    }));
    assert.equal(resp.statusCode, 200);
    assert.match(resp.body.requestId, UUID_UPPER);
    const items = resp.body.instanceResponses && resp.body.instanceResponses.instanceResponse;
    assert.ok(Array.isArray(items), `InstanceResponses.InstanceResponse must be an array: ${JSON.stringify(resp.body)}`);
    assert.equal(items.length, 2);
    const byId = Object.fromEntries(items.map((r) => [r.instanceId, r]));
    assert.deepEqual(Object.keys(byId).sort(), [RUNNING, STOPPED].sort());
    assert.equal(byId[STOPPED].code, '200');
    assert.equal(byId[RUNNING].code, 'IncorrectInstanceStatus');
    assert.equal(byId[STOPPED].previousStatus, 'Stopped');
    assert.equal(byId[RUNNING].previousStatus, 'Running');
    assert.equal(typeof byId[RUNNING].message, 'string');
    assert.ok(byId[RUNNING].message.length > 0);

    await waitForStatus(client, STOPPED, 'Running');
    assert.equal(await statusOf(client, RUNNING), 'Running');
  });

  test('wrong secret (V3): SignatureDoesNotMatch 400', async () => {
    const client = ecsClient({ accessKeySecret: 'not-the-secret' });
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: STOPPED })));
    assertOpenApiError(err, { code: 'SignatureDoesNotMatch', status: 400 });
    assert.ok(err.data.Message.startsWith(MSG_SIG_PREFIX), err.data.Message);
    // the server's StringToSign shows the request really was signed with V3 (the SDK default)
    assert.match(err.data.Message.slice(MSG_SIG_PREFIX.length), /^ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
    // the rejected call must not have touched the instance
    assert.equal(await statusOf(ecsClient(), STOPPED), 'Stopped');
  });

  test('wrong secret (V1 via signatureAlgorithm v2): SignatureDoesNotMatch 400', async () => {
    const client = ecsClient({ accessKeySecret: 'not-the-secret', signatureAlgorithm: 'v2' });
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: STOPPED })));
    assertOpenApiError(err, { code: 'SignatureDoesNotMatch', status: 400 });
    assert.ok(err.data.Message.startsWith(MSG_SIG_PREFIX), err.data.Message);
    // V1: the server's StringToSign follows the prefix (py_core compares it with its own)
    assert.ok(err.data.Message.slice(MSG_SIG_PREFIX.length).startsWith('POST&%2F&'), err.data.Message);
    assert.equal(await statusOf(ecsClient(), STOPPED), 'Stopped');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. @alicloud/pop-core RPCClient (V1)

describe('@alicloud/pop-core RPCClient (V1 HMAC-SHA1)', { timeout: TEST_TIMEOUT }, () => {
  test('GET StartInstance on a running instance rejects with IncorrectInstanceStatus', async () => {
    const client = popClient();
    const err = await rejection(() => client.request('StartInstance',
      { RegionId: REGION, InstanceId: RUNNING }, { timeout: 5_000 }));
    assert.equal(err.code, 'IncorrectInstanceStatus', `${err.name}: ${err.message}`);
    assert.equal(err.name, 'IncorrectInstanceStatusError');
    assert.ok(err.message.startsWith(`${MSG_RUNNING}, URL: http://${srv.hostPort}/?`), err.message);
    assert.equal(err.data.Code, 'IncorrectInstanceStatus');
    assert.equal(err.data.Message, MSG_RUNNING);
    assert.match(err.data.RequestId, UUID_UPPER);
  });

  test('GET StartInstance on an unknown instance rejects with InvalidInstanceId.NotFound', async () => {
    const client = popClient();
    const err = await rejection(() => client.request('StartInstance',
      { RegionId: REGION, InstanceId: MISSING }, { timeout: 5_000 }));
    assert.equal(err.code, 'InvalidInstanceId.NotFound', `${err.name}: ${err.message}`);
    assert.equal(err.data.Message, MSG_NOT_FOUND);
    assert.match(err.data.RequestId, UUID_UPPER);
  });

  test('POST (form body) StartInstance on a stopped instance succeeds', async () => {
    const client = popClient();
    const resp = await client.request('StartInstance',
      { RegionId: REGION, InstanceId: STOPPED }, { method: 'POST', timeout: 5_000 });
    assert.match(resp.RequestId, UUID_UPPER);
    assert.equal(resp.Code, undefined);

    const desc = await client.request('DescribeInstances',
      { RegionId: REGION, InstanceIds: JSON.stringify([STOPPED]) }, { timeout: 5_000 });
    assert.match(desc.RequestId, UUID_UPPER);
    assert.ok(Array.isArray(desc.Instances.Instance));
    assert.equal(desc.Instances.Instance.length, 1);
    assert.equal(desc.Instances.Instance[0].InstanceId, STOPPED);
    assert.ok(['Starting', 'Running'].includes(desc.Instances.Instance[0].Status), desc.Instances.Instance[0].Status);
  });

  test('wrong secret: SignatureDoesNotMatch', async () => {
    const client = popClient({ accessKeySecret: 'not-the-secret' });
    const err = await rejection(() => client.request('StartInstance',
      { RegionId: REGION, InstanceId: STOPPED }, { timeout: 5_000 }));
    assert.equal(err.code, 'SignatureDoesNotMatch', `${err.name}: ${err.message}`);
    assert.ok(err.data.Message.slice(MSG_SIG_PREFIX.length).startsWith('GET&%2F&'), err.data.Message);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. lifecycle with @alicloud/ecs20140526

describe('instance lifecycle (@alicloud/ecs20140526)', { timeout: 60_000 }, () => {
  test('RunInstances -> Running -> StopInstance -> Stopped -> DeleteInstance -> gone', async () => {
    const client = ecsClient();

    const run = await client.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: IMAGE,
      instanceType: 'ecs.g7.large',
      zoneId: 'cn-hangzhou-h',
      amount: 1,
    }));
    assert.equal(run.statusCode, 200);
    assert.match(run.body.requestId, UUID_UPPER);
    const ids = run.body.instanceIdSets && run.body.instanceIdSets.instanceIdSet;
    assert.ok(Array.isArray(ids), `InstanceIdSets.InstanceIdSet must be an array: ${JSON.stringify(run.body)}`);
    assert.equal(ids.length, 1);
    const id = ids[0];
    assert.match(id, /^i-[0-9a-z]+$/);

    const created = (await describeInstances(client, [id]))[0];
    assert.equal(created.instanceType, 'ecs.g7.large');
    assert.equal(created.zoneId, 'cn-hangzhou-h');
    assert.equal(created.imageId, IMAGE);
    assert.equal(created.regionId, REGION);
    assert.ok(['Pending', 'Starting', 'Running'].includes(created.status), created.status);

    await waitForStatus(client, id, 'Running');

    const stop = await client.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, forceStop: true }));
    assert.equal(stop.statusCode, 200);
    assert.match(stop.body.requestId, UUID_UPPER);
    assert.ok(['Stopping', 'Stopped'].includes(await statusOf(client, id)));
    await waitForStatus(client, id, 'Stopped');

    const del = await client.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    assert.equal(del.statusCode, 200);
    assert.match(del.body.requestId, UUID_UPPER);

    const deadline = Date.now() + POLL_TIMEOUT;
    let remaining;
    for (;;) {
      remaining = (await describeInstances(client, [id])).map((i) => `${i.instanceId}:${i.status}`);
      if (remaining.length === 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    assert.deepEqual(remaining, [], `${id} still listed after DeleteInstance`);

    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })));
    assertOpenApiError(err, { code: 'InvalidInstanceId.NotFound', status: 404, message: MSG_NOT_FOUND });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. test controls: a throwaway account per test (ecsMockAccount), faults, journal, patches

describe('test controls (ecsMockAccount)', { timeout: TEST_TIMEOUT }, () => {
  const asAccount = (acc, extra = {}) =>
    ecsClient({ accessKeyId: acc.accessKeyId, accessKeySecret: acc.accessKeySecret, ...extra });
  const run = async (client, amount) => (await client.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION, imageId: IMAGE, instanceType: 'ecs.g7.large', zoneId: 'cn-hangzhou-h', amount,
  }))).body.instanceIdSets.instanceIdSet;

  test('each test its own account: it sees only its own instances', async (t) => {
    const acc = await ecsMockAccount(t, `http://${srv.hostPort}`);
    const client = asAccount(acc);
    const ids = await run(client, 2);
    const listed = await describeInstances(client, ids);
    assert.deepEqual(listed.map((i) => i.instanceId).sort(), [...ids].sort());
    assert.deepEqual(await describeInstances(ecsClient(), ids), [], 'the default account sees none of them');
    const err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: STOPPED })));
    assertOpenApiError(err, { code: 'InvalidInstanceId.NotFound', status: 404, message: MSG_NOT_FOUND });
  });

  test('a Throttling fault surfaces as the SDK\'s ThrottlingError, once', async (t) => {
    const acc = await ecsMockAccount(t, `http://${srv.hostPort}`);
    await acc.fault({ Match: { Action: 'DescribeRegions' }, Error: { Code: 'Throttling' }, Times: 1 });
    const client = asAccount(acc);
    const err = await rejection(() => client.describeRegions(new Ecs.DescribeRegionsRequest({})));
    assert.equal(err.name, 'ThrottlingError', `${err.name}: ${err.message}`);
    assert.equal(err.code, 'Throttling');
    assert.equal(err.data.Message, 'Request was denied due to flow control.');
    const resp = await client.describeRegions(new Ecs.DescribeRegionsRequest({}));
    assert.equal(resp.statusCode, 200);
    // Other accounts are not affected by this account's faults.
    await ecsClient().describeRegions(new Ecs.DescribeRegionsRequest({}));
  });

  test('the journal shows what the SDKs sent, without any secret', async (t) => {
    const acc = await ecsMockAccount(t, `http://${srv.hostPort}`);
    await asAccount(acc).describeRegions(new Ecs.DescribeRegionsRequest({}));
    await popClient({ accessKeyId: acc.accessKeyId, accessKeySecret: acc.accessKeySecret })
      .request('DescribeRegions', { RegionId: REGION }, { timeout: 5_000 });
    const entries = await acc.requests({ Action: 'DescribeRegions' });
    assert.deepEqual(entries.map((e) => e.SignatureVersion), ['ACS3-HMAC-SHA256', '1.0']);
    assert.deepEqual(entries.map((e) => e.HttpStatus), [200, 200]);
    assert.ok(entries.every((e) => e.AccessKeyId === acc.accessKeyId));
    assert.ok(!JSON.stringify(entries).includes(acc.accessKeySecret), 'the secret is in the journal');
    assert.ok(entries.every((e) => !('Signature' in e.Params)));
  });

  test('patches put an instance and a zone in any situation', async (t) => {
    const acc = await ecsMockAccount(t, `http://${srv.hostPort}`);
    const client = asAccount(acc);
    const [id] = await run(client, 1);
    const patched = await acc.patchInstance(id, {
      Status: 'Stopped', OperationLocks: { LockReason: [{ LockReason: 'security' }] },
    });
    assert.equal(patched.Status, 'Stopped');
    let err = await rejection(() => client.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })));
    assertOpenApiError(err, { code: 'InstanceLockedForSecurity', status: 403 });
    await acc.patchZone('cn-hangzhou-h', { Stock: { 'ecs.g7.large': 0 } });
    err = await rejection(() => run(client, 1));
    assertOpenApiError(err, { code: 'OperationDenied.NoStock', status: 403 });
  });
});
