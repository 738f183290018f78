#!/usr/bin/env node
/* global console, process, setTimeout -- eslint.config.js gives .mjs files no Node globals */
// Loads the built dist/desktop/main.cjs in plain Node with a stand-in for the `electron` module
// (the Electron binary can't be downloaded here) and checks what the bundle does with it: the
// node starts from the real encrypted store, the window is hardened, the IPC channels answer the
// app's own page only, Quit closes the node; and a start without a usable key shows the error and
// exits. Run `npm run build:main` first. Each scenario runs in its own process.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'desktop', 'main.cjs');
const scenario = process.argv[2];

if (!scenario) {
  if (!existsSync(bundle)) {
    console.error('smoke-desktop: run `npm run build:main` first');
    process.exit(2);
  }
  let failed = 0;
  for (const name of ['starts-and-quits', 'refuses-without-key']) {
    const dir = mkdtempSync(join(tmpdir(), 'vm-smoke-desktop-'));
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], {
      env: { ...process.env, SMOKE_DIR: dir, VITALMESH_DATA_DIR: '', VITALMESH_KEY_SOURCE: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true });
    const ok = run.status === 0;
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `\n${run.stdout}${run.stderr}`}`);
  }
  process.exit(failed ? 1 : 0);
}

// ---- inside one scenario: a minimal Electron for the bundle ----------------------------------
const dir = process.env.SMOKE_DIR;
const events = new Map();
const on = (name, fn) => events.set(name, [...(events.get(name) ?? []), fn]);
const emit = (name, ...args) => (events.get(name) ?? []).forEach((fn) => fn(...args));
const state = {
  windows: [],
  handlers: new Map(),
  protocols: new Map(),
  errorBox: undefined,
  exitCode: undefined,
  quit: 0,
};
let resolveExit;
const exited = new Promise((resolve) => (resolveExit = resolve));

const electron = {
  app: {
    isPackaged: true,
    enableSandbox: () => (state.sandbox = true),
    setAppUserModelId: () => undefined,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    getPath: (name) => join(dir, name),
    on: (name, fn) => on(name, fn),
    quit: () => {
      state.quit += 1;
      let prevented = false;
      emit('before-quit', { preventDefault: () => (prevented = true) });
      if (!prevented) resolveExit('quit');
    },
    exit: (code) => {
      state.exitCode = code;
      resolveExit('exit');
    },
  },
  BrowserWindow: class {
    constructor(options) {
      this.options = options;
      state.windows.push(this);
    }
    once() {}
    on() {}
    isDestroyed = () => false;
    loadFile = (file) => ((this.loaded = file), Promise.resolve());
    loadURL = (url) => ((this.loaded = url), Promise.resolve());
  },
  ipcMain: {
    handle: (channel, fn) => state.handlers.set(channel, fn),
    removeHandler: (channel) => state.handlers.delete(channel),
  },
  Menu: { buildFromTemplate: (template) => template, setApplicationMenu: (m) => (state.menu = m) },
  nativeImage: { createFromPath: (path) => ({ path }) },
  protocol: {
    registerSchemesAsPrivileged: (schemes) => (state.schemes = schemes),
    handle: (scheme, fn) => state.protocols.set(scheme, fn),
  },
  Tray: class {
    constructor(image) {
      state.tray = this;
      this.image = image;
    }
    setToolTip() {}
    setContextMenu(menu) {
      this.menu = menu;
    }
    on() {}
    destroy() {
      this.destroyed = true;
    }
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (fn) => (state.permission = fn),
      setPermissionCheckHandler: (fn) => (state.permissionCheck = fn),
      setDevicePermissionHandler: (fn) => (state.devicePermission = fn),
      webRequest: { onHeadersReceived: (fn) => (state.headers = fn) },
    },
  },
  shell: { openExternal: async () => undefined },
  dialog: { showErrorBox: (title, message) => (state.errorBox = { title, message }) },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? electron : load.call(this, request, ...rest);
};

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

const sender = (url) => ({
  sender: { id: 1, send: () => undefined, isDestroyed: () => false, once: () => undefined },
  senderFrame: { url, parent: null },
});

async function waitFor(predicate, what) {
  for (let i = 0; i < 200; i += 1) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

if (scenario === 'starts-and-quits') {
  const keyFile = join(dir, 'db.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  process.env.VITALMESH_KEY_SOURCE = 'file';
  process.env.VITALMESH_KEY_FILE = keyFile;
  createRequire(import.meta.url)(bundle);
  await waitFor(() => state.windows.length === 1 || state.errorBox, 'the window');
  check(!state.errorBox, `no error box (${state.errorBox?.message})`);
  check(state.sandbox, 'app.enableSandbox() called');
  const prefs = state.windows[0].options.webPreferences;
  check(
    prefs.sandbox && prefs.contextIsolation && !prefs.nodeIntegration && prefs.webSecurity,
    'hardened window',
  );
  check(existsSync(prefs.preload), `preload exists at ${prefs.preload}`);
  check(
    state.schemes?.[0]?.scheme === 'vitalmesh' && state.schemes[0].privileges.standard,
    'app scheme registered',
  );
  const page = await state.protocols.get('vitalmesh')({ url: 'vitalmesh://app/index.html', method: 'GET' });
  check(
    page.status === 200 && (await page.text()).includes('<div id="root">'),
    'serves dist/renderer/index.html',
  );
  check(page.headers.get('content-security-policy').includes("object-src 'none'"), 'page has the CSP header');
  const escape = await state.protocols.get('vitalmesh')({
    url: 'vitalmesh://app/..%2f..%2fpackage.json',
    method: 'GET',
  });
  check(escape.status === 404, 'no files outside dist/renderer');
  check(state.windows[0].loaded === 'vitalmesh://app/index.html', 'loads the app from its own scheme');
  check(state.menu === null, 'no application menu when packaged');
  check(state.tray.menu.map((i) => i.label).join() === 'Open VitalMesh,,Quit', 'tray menu');
  let granted;
  state.permission(undefined, 'media', (g) => (granted = g));
  check(granted === false && state.permissionCheck() === false, 'permissions denied');
  let csp;
  state.headers({ responseHeaders: {} }, (r) => (csp = r.responseHeaders['Content-Security-Policy'][0]));
  check(csp.includes("script-src 'self'"), 'CSP header set');

  const info = await state.handlers.get('vm:call:node.info')(sender('vitalmesh://app/index.html#/'), {});
  check(
    info.ok && info.value.host === 'desktop' && /^\d+\.\d+\.\d+/.test(info.value.version),
    'node.info answers',
  );
  for (const url of [
    'https://example.org/',
    pathToFileURL(join(root, 'dist', 'renderer', 'index.html')).href,
  ]) {
    const foreign = await state.handlers.get('vm:call:node.info')(sender(url), {});
    check(!foreign.ok && foreign.error.code === 'forbidden', `foreign frame refused (${url})`);
  }

  electron.app.quit();
  check((await exited) === 'quit', 'quit completes');
  check(state.quit === 2 && state.tray.destroyed && state.handlers.size === 0, 'shut down cleanly');
  process.exit(0);
}

if (scenario === 'refuses-without-key') {
  // Key source "file" without a key file: the node must not start, and must say why.
  process.env.VITALMESH_KEY_SOURCE = 'file';
  createRequire(import.meta.url)(bundle);
  check((await exited) === 'exit', 'exits');
  check(state.exitCode === 1, 'exit code 1');
  check(state.errorBox?.title === 'VitalMesh could not start', 'error box shown');
  check(/key file/.test(state.errorBox.message), `message says what to do (${state.errorBox.message})`);
  check(state.windows.length === 0, 'no window');
  process.exit(0);
}
