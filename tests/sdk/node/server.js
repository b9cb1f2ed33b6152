'use strict';
// The ecs-mock server for the Node SDK tests: start it on a free port (the `fast` timing
// profile), stop it, and call its control plane. Shared by every *.test.js here.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const BIN = process.env.ECS_MOCK_BIN ||
  path.resolve(__dirname, '..', '..', '..', 'target', 'release', 'ecs-mock');

// The running server: its process, "127.0.0.1:PORT" and the tail of its stderr.
const state = { server: null, hostPort: null, serverLog: '' };

function startServer() {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(BIN)) {
      reject(new Error(`ecs-mock binary not found at ${BIN} (build it with cargo build --release or set ECS_MOCK_BIN)`));
      return;
    }
    const child = spawn(BIN, ['--listen', '127.0.0.1:0', '--timing', 'fast'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`ecs-mock did not report its address within 15 s; stderr:\n${state.serverLog}`));
    }, 15_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      state.serverLog += chunk;
      if (state.serverLog.length > 200_000) state.serverLog = state.serverLog.slice(-100_000);
      const m = /listening on (\S+:\d+)/.exec(state.serverLog);
      if (m && !state.hostPort) {
        state.hostPort = m[1];
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      if (!state.hostPort) {
        clearTimeout(timer);
        reject(new Error(`ecs-mock exited early (code ${code}, signal ${signal}); stderr:\n${state.serverLog}`));
      }
    });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    child.kill('SIGTERM');
  });
}

async function control(method, p) {
  const res = await fetch(`http://${state.hostPort}${p}`, { method, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p} -> HTTP ${res.status}: ${text}`);
  return text;
}


// Register the hooks of a test file: one server for the file, a reset before each test.
function useServer() {
  const { before, after, beforeEach } = require('node:test');
  before(async () => {
    state.server = await startServer();
    await control('GET', '/_mock/health');
  });
  after(async () => {
    await stopServer(state.server);
  });
  beforeEach(async () => {
    await control('POST', '/_mock/reset');
  });
  return state;
}

module.exports = { BIN, state, useServer, control };
