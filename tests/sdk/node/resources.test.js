'use strict';
// An infrastructure-as-code flow through the official @alicloud/ecs20140526 client (V3
// ACS3-HMAC-SHA256 signatures, the SDK default) against the ecs-mock emulator: the calls
// Terraform's alicloud provider makes for a security group with a rule, an imported key
// pair, an instance in a vSwitch, a tag and a data disk attachment, the reads that follow,
// then the teardown in reverse order, with every resource gone at the end. Also the
// catalog reads (DescribeInstanceTypes, DescribeImages) with the SDK model field names.
//
// The server runs the `fast` timing profile on the real clock (a transition lasts about
// a second), so the test polls as the provider does.
//
// The server binary comes from $ECS_MOCK_BIN, default <repo>/target/release/ecs-mock.
// Run: cd tests/sdk/node && npm ci && node --test resources.test.js

const { test, describe } = require('node:test');
const { useServer } = require('./server');
const helpers = require('./helpers');
const { UUID_UPPER, rejection, assertOpenApiError } = helpers;
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const REGION = 'cn-hangzhou';
const ZONE = 'cn-hangzhou-h';
const VPC = 'vpc-bp1demo0000000000001';
const VSWITCH = 'vsw-bp1demo000000000001h';
const IMAGE = 'aliyun_3_x64_20G_alibase_20250101.vhd';
const TYPE = 'ecs.g7.large';
const KEY_PAIR = 'sdk-node-deploy';

const POLL_TIMEOUT = 15_000;
const POLL_STEP = 200;

// One server for this file (server.js), reset before each test.
const srv = useServer();

// ---------------------------------------------------------------------------------------------
// client and helpers

function ecsClient() {
  return new Ecs.default(new $OpenApiUtil.Config({
    accessKeyId: 'test',
    accessKeySecret: 'test',
    regionId: REGION,
    endpoint: srv.hostPort,
    protocol: 'http',
    connectTimeout: 5_000,
    readTimeout: 5_000,
  }));
}

// A successful SDK response: HTTP 200 and an upper-case UUID request id; returns the body.
function ok(resp) {
  assert.equal(resp.statusCode, 200);
  assert.match(resp.body.requestId, UUID_UPPER);
  return resp.body;
}

// Poll `read` every POLL_STEP ms until it returns `want`; fail with the values seen.
function waitFor(what, read, want, timeoutMs = POLL_TIMEOUT) {
  return helpers.waitFor(what, read, want, timeoutMs, POLL_STEP);
}

// An OpenSSH `ssh-rsa <base64 wire blob> comment` line for a fresh 2048-bit RSA key,
// and the MD5 of the wire blob (the KeyPairFingerPrint ECS reports for it).
function sshRsaPublicKey(comment) {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const string = (buf) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    return Buffer.concat([len, buf]);
  };
  // an SSH mpint: big-endian two's complement, so a leading 0x00 when the top bit is set
  const mpint = (b64url) => {
    let buf = Buffer.from(b64url, 'base64url');
    while (buf.length > 1 && buf[0] === 0 && (buf[1] & 0x80) === 0) buf = buf.subarray(1);
    if (buf[0] & 0x80) buf = Buffer.concat([Buffer.from([0]), buf]);
    return string(buf);
  };
  const blob = Buffer.concat([string(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return {
    line: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    md5: crypto.createHash('md5').update(blob).digest('hex'),
  };
}

async function describeInstance(client, id) {
  const body = ok(await client.describeInstances(new Ecs.DescribeInstancesRequest({
    regionId: REGION, instanceIds: JSON.stringify([id]),
  })));
  const list = body.instances.instance;
  assert.ok(Array.isArray(list), `Instances.Instance must be an array: ${JSON.stringify(body)}`);
  assert.ok(list.length <= 1, `DescribeInstances(${id}) listed ${list.length} instances`);
  if (list.length === 1) assert.equal(list[0].instanceId, id);
  return list[0];
}

async function describeDisk(client, id) {
  const body = ok(await client.describeDisks(new Ecs.DescribeDisksRequest({
    regionId: REGION, diskIds: JSON.stringify([id]),
  })));
  const list = body.disks.disk;
  assert.ok(Array.isArray(list), `Disks.Disk must be an array: ${JSON.stringify(body)}`);
  assert.ok(list.length <= 1, `DescribeDisks(${id}) listed ${list.length} disks`);
  return list[0];
}

const permission = (Model) => new Model({
  ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '10.0.0.0/8', policy: 'accept', priority: '1',
});

async function groupRules(client, sg) {
  const body = ok(await client.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({
    regionId: REGION, securityGroupId: sg,
  })));
  assert.equal(body.securityGroupId, sg);
  return body.permissions.permission;
}

// ---------------------------------------------------------------------------------------------

describe('an infrastructure-as-code flow (@alicloud/ecs20140526, V3)', { timeout: 90_000 }, () => {
  test('security group, key pair, instance, tag and data disk: create, describe, tear down', async () => {
    const client = ecsClient();

    // alicloud_security_group + alicloud_security_group_rule
    const sg = ok(await client.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: REGION, vpcId: VPC, securityGroupName: 'sdk-node-web', description: 'web tier',
    }))).securityGroupId;
    assert.match(sg, /^sg-bp[0-9a-z]+$/);
    ok(await client.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
      regionId: REGION,
      securityGroupId: sg,
      permissions: [permission(Ecs.AuthorizeSecurityGroupRequestPermissions)],
    })));
    const rules = await groupRules(client, sg);
    assert.equal(rules.length, 1, JSON.stringify(rules));
    assert.deepEqual(
      [rules[0].ipProtocol, rules[0].portRange, rules[0].sourceCidrIp, rules[0].policy, rules[0].direction],
      ['TCP', '22/22', '10.0.0.0/8', 'Accept', 'ingress'],
    );

    // alicloud_ecs_key_pair (public_key)
    const key = sshRsaPublicKey('deploy@ci');
    const imported = ok(await client.importKeyPair(new Ecs.ImportKeyPairRequest({
      regionId: REGION, keyPairName: KEY_PAIR, publicKeyBody: key.line,
    })));
    assert.equal(imported.keyPairName, KEY_PAIR);
    assert.equal(imported.keyPairFingerPrint, key.md5);

    // alicloud_instance: RunInstances, then DescribeInstances until Running
    const run = ok(await client.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: IMAGE,
      instanceType: TYPE,
      zoneId: ZONE,
      vSwitchId: VSWITCH,
      securityGroupIds: [sg],
      keyPairName: KEY_PAIR,
      instanceName: 'sdk-node-web-1',
      amount: 1,
    })));
    const ids = run.instanceIdSets.instanceIdSet;
    assert.equal(ids.length, 1, JSON.stringify(run));
    const id = ids[0];
    assert.match(id, /^i-[0-9a-z]+$/);
    await waitFor(`${id} status`, async () => (await describeInstance(client, id)).status, 'Running');

    // tags
    ok(await client.tagResources(new Ecs.TagResourcesRequest({
      regionId: REGION,
      resourceType: 'instance',
      resourceId: [id],
      tag: [new Ecs.TagResourcesRequestTag({ key: 'managed-by', value: 'terraform' })],
    })));

    // alicloud_ecs_disk + alicloud_ecs_disk_attachment
    const disk = ok(await client.createDisk(new Ecs.CreateDiskRequest({
      regionId: REGION, zoneId: ZONE, size: 100, diskCategory: 'cloud_essd', diskName: 'sdk-node-data',
    }))).diskId;
    assert.match(disk, /^d-[0-9a-z]+$/);
    await waitFor(`${disk} status`, async () => (await describeDisk(client, disk)).status, 'Available');
    ok(await client.attachDisk(new Ecs.AttachDiskRequest({ instanceId: id, diskId: disk })));
    await waitFor(`${disk} status`, async () => (await describeDisk(client, disk)).status, 'In_use');

    // the reads the provider makes
    const inst = await describeInstance(client, id);
    assert.equal(inst.status, 'Running');
    assert.equal(inst.instanceName, 'sdk-node-web-1');
    assert.equal(inst.instanceType, TYPE);
    assert.equal(inst.zoneId, ZONE);
    assert.equal(inst.imageId, IMAGE);
    assert.equal(inst.instanceNetworkType, 'vpc');
    assert.equal(inst.keyPairName, KEY_PAIR);
    assert.deepEqual(inst.securityGroupIds.securityGroupId, [sg]);
    assert.equal(inst.vpcAttributes.vpcId, VPC);
    assert.equal(inst.vpcAttributes.vSwitchId, VSWITCH);
    const addresses = inst.vpcAttributes.privateIpAddress.ipAddress;
    assert.equal(addresses.length, 1, JSON.stringify(inst.vpcAttributes));
    assert.match(addresses[0], /^172\.16\.1\.\d{1,3}$/, 'an address in the vSwitch 172.16.1.0/24');
    assert.deepEqual(inst.tags.tag.map((t) => [t.tagKey, t.tagValue]), [['managed-by', 'terraform']]);

    const disks = ok(await client.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: id })));
    assert.equal(disks.totalCount, 2);
    const byType = Object.fromEntries(disks.disks.disk.map((d) => [d.type, d]));
    assert.deepEqual(Object.keys(byType).sort(), ['data', 'system']);
    assert.deepEqual([byType.data.diskId, byType.data.status, byType.data.instanceId, byType.data.size],
      [disk, 'In_use', id, 100]);
    assert.deepEqual([byType.system.status, byType.system.instanceId], ['In_use', id]);
    const systemDisk = byType.system.diskId;
    assert.notEqual(systemDisk, disk);

    const groups = ok(await client.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({
      regionId: REGION, securityGroupId: sg,
    })));
    assert.equal(groups.securityGroups.securityGroup.length, 1);
    const group = groups.securityGroups.securityGroup[0];
    assert.deepEqual([group.securityGroupId, group.vpcId, group.ecsCount, group.ruleCount], [sg, VPC, 1, 1]);

    const pairs = ok(await client.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({
      regionId: REGION, keyPairName: KEY_PAIR,
    })));
    assert.equal(pairs.totalCount, 1);
    assert.deepEqual(pairs.keyPairs.keyPair.map((k) => [k.keyPairName, k.keyPairFingerPrint]), [[KEY_PAIR, key.md5]]);

    const tags = ok(await client.listTagResources(new Ecs.ListTagResourcesRequest({
      regionId: REGION, resourceType: 'instance', resourceId: [id],
    })));
    assert.deepEqual(
      tags.tagResources.tagResource.map((t) => [t.resourceType, t.resourceId, t.tagKey, t.tagValue]),
      [['instance', id, 'managed-by', 'terraform']],
    );

    // teardown in reverse order; the group cannot go while the instance is in it
    const refused = await rejection(() => client.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({
      regionId: REGION, securityGroupId: sg,
    })));
    assertOpenApiError(refused, { code: 'DependencyViolation', status: 403 });

    ok(await client.detachDisk(new Ecs.DetachDiskRequest({ instanceId: id, diskId: disk })));
    await waitFor(`${disk} status`, async () => (await describeDisk(client, disk)).status, 'Available');
    ok(await client.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: disk })));
    assert.equal(await describeDisk(client, disk), undefined, 'the data disk is gone');

    ok(await client.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true })));
    await waitFor(`${id} listed`, async () => (await describeInstance(client, id)) !== undefined, false);
    assert.equal(await describeDisk(client, systemDisk), undefined, 'the system disk goes with the instance');

    ok(await client.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({
      regionId: REGION, keyPairNames: JSON.stringify([KEY_PAIR]),
    })));
    ok(await client.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({
      regionId: REGION,
      securityGroupId: sg,
      permissions: [permission(Ecs.RevokeSecurityGroupRequestPermissions)],
    })));
    assert.deepEqual(await groupRules(client, sg), []);
    ok(await client.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: sg })));

    // everything is gone
    const noGroups = ok(await client.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({
      regionId: REGION, securityGroupId: sg,
    })));
    assert.deepEqual(noGroups.securityGroups.securityGroup, []);
    const noGroup = await rejection(() => client.describeSecurityGroupAttribute(
      new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: sg })));
    assertOpenApiError(noGroup, { code: 'InvalidSecurityGroupId.NotFound', status: 404 });
    const noPairs = ok(await client.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({
      regionId: REGION, keyPairName: KEY_PAIR,
    })));
    assert.equal(noPairs.totalCount, 0);
    assert.deepEqual(noPairs.keyPairs.keyPair, []);
    const noTags = ok(await client.listTagResources(new Ecs.ListTagResourcesRequest({
      regionId: REGION, resourceType: 'instance', resourceId: [id],
    })));
    assert.deepEqual(noTags.tagResources.tagResource, [], 'the instance is gone, so are its tags');
    const noDisks = ok(await client.describeDisks(new Ecs.DescribeDisksRequest({
      regionId: REGION, diskIds: JSON.stringify([disk, systemDisk]),
    })));
    assert.equal(noDisks.totalCount, 0);
    assert.deepEqual(noDisks.disks.disk, []);
    assert.equal(await describeInstance(client, id), undefined);
  });
});

describe('catalog reads (@alicloud/ecs20140526, V3)', { timeout: 30_000 }, () => {
  test('DescribeInstanceTypes and DescribeImages fill the SDK models', async () => {
    const client = ecsClient();

    const types = ok(await client.describeInstanceTypes(new Ecs.DescribeInstanceTypesRequest({
      instanceTypes: [TYPE],
    })));
    assert.equal(types.instanceTypes.instanceType.length, 1, JSON.stringify(types));
    const g7 = types.instanceTypes.instanceType[0];
    assert.equal(g7.instanceTypeId, TYPE);
    assert.equal(g7.instanceTypeFamily, 'ecs.g7');
    assert.equal(g7.cpuCoreCount, 2);
    assert.equal(g7.memorySize, 8);
    assert.equal(g7.cpuArchitecture, 'X86');

    const images = ok(await client.describeImages(new Ecs.DescribeImagesRequest({
      regionId: REGION, imageOwnerAlias: 'system', pageSize: 50,
    })));
    assert.equal(images.regionId, REGION);
    assert.equal(images.totalCount, 10);
    assert.equal(images.pageNumber, 1);
    assert.equal(images.pageSize, 50);
    const list = images.images.image;
    assert.equal(list.length, 10);
    assert.deepEqual([...new Set(list.map((i) => i.imageOwnerAlias))], ['system']);
    const alinux = list.filter((i) => i.imageId === IMAGE);
    assert.equal(alinux.length, 1, `${IMAGE} is listed once`);
    const image = alinux[0];
    assert.equal(image.imageName, IMAGE);
    assert.equal(image.OSType, 'linux');
    assert.equal(image.platform, 'Aliyun');
    assert.equal(image.architecture, 'x86_64');
    assert.equal(image.status, 'Available');
    assert.equal(image.size, 20);
    assert.equal(image.isPublic, true);
    assert.equal(image.imageFamily, 'acs:alibaba_cloud_linux_3_2104_lts_x64');
    assert.equal(image.OSNameEn, 'Alibaba Cloud Linux  3.2104 LTS 64 bit');
    assert.equal(image.creationTime, '2025-01-01T08:00:00Z');
  });
});
