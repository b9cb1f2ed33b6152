'use strict';
// Assertions and polling shared by the Node SDK tests (*.test.js here).

const assert = require('node:assert/strict');

// An ECS request id: an upper-case UUID.
const UUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll `read` every `stepMs` until it returns `want`; fail with the values seen.
async function waitFor(what, read, want, timeoutMs, stepMs) {
  const deadline = Date.now() + timeoutMs;
  const seen = [];
  for (;;) {
    const value = await read();
    if (seen[seen.length - 1] !== value) seen.push(value);
    if (value === want) return seen;
    if (Date.now() > deadline) {
      assert.fail(`${what} did not become ${want} within ${timeoutMs} ms; seen: ${seen.join(' -> ')}`);
    }
    await sleep(stepMs);
  }
}

// Run `fn`, expect it to reject, return the error.
async function rejection(fn) {
  let err;
  try {
    const res = await fn();
    assert.fail(`expected the call to reject, it resolved with ${JSON.stringify(res && (res.body || res))}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  return err;
}

// An @alicloud/openapi-core error for ECS error `code` with HTTP `status`.
function assertOpenApiError(err, { code, status }) {
  assert.equal(err.code, code, `code (error: ${err.name}: ${err.message})`);
  assert.equal(err.statusCode, status, `statusCode (error: ${err.name}: ${err.message})`);
  assert.equal(err.name, status >= 500 ? 'ServerError' : 'ClientError');
  assert.ok(err.data, 'error has .data');
  assert.equal(err.data.Code, code);
  assert.match(err.data.RequestId, UUID_UPPER);
}

module.exports = { UUID_UPPER, sleep, waitFor, rejection, assertOpenApiError };
