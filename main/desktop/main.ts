/**
 * The Electron main process: a thin host around the same node the headless console runs. It
 * starts the node, carries its API over IPC (ipc-adapter), shows one hardened window, and keeps
 * the node running in the tray while the window is closed, since peers and monitors keep sending.
 * Bundled to dist/desktop/main.cjs by scripts/build-main.mjs.
 */
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  session,
  shell,
  Tray,
  type WebContents,
} from 'electron';
import { pino } from 'pino';
import { loadConfig, type NodeConfig } from '../config/config';
import { createLogger, type Logger } from '../log/logger';
import { createNode, type VitalMeshNode } from '../node';
import { APP_INDEX_URL, APP_SCHEME, serveAppRequest } from './app-protocol';
import { registerIpcAdapter, rendererUrlCheck, type IpcAdapter } from './ipc-adapter';
import { devServerUrl, isAllowedExternalUrl, withContentSecurityPolicy } from './policy';

// The bundle lives in <app>/dist/desktop/, beside preload.cjs; the app root holds resources/.
const APP_ROOT = join(__dirname, '..', '..');
const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
const PRELOAD_FILE = join(__dirname, 'preload.cjs');
const ICON_FILE = join(APP_ROOT, 'resources', 'icon.png');
const TRAY_ICON_FILE = join(APP_ROOT, 'resources', 'tray.png');

interface Running {
  readonly node: VitalMeshNode;
  readonly ipc: IpcAdapter;
  readonly logger: Logger;
  readonly tray: Tray;
}

let running: Running | undefined;
/** Set as soon as the log exists, so a failed start is logged too. */
let bootLogger: Logger | undefined;
let window: BrowserWindow | undefined;
let shutdown: 'no' | 'running' | 'done' = 'no';

/** The desktop keeps its data in the per-user app folder and its key in the OS keychain by default. */
function desktopConfig(): NodeConfig {
  const env = process.env;
  const dataDir = join(app.getPath('userData'), 'data');
  const config = loadConfig(env.VITALMESH_DATA_DIR ? {} : { dataDir }, env);
  return { ...config, keySource: config.keySource ?? 'keychain' };
}

function desktopLogger(level: string): Logger {
  // A packaged app has no terminal: the log goes to the OS's log folder for this app.
  const destination = pino.destination({
    dest: join(app.getPath('logs'), 'vitalmesh.log'),
    mkdir: true,
    sync: false,
  });
  return createLogger({ level, destination }).child({ host: 'desktop' });
}

/** Guards every web contents the app ever creates, including ones we don't create on purpose. */
function guardWebContents(contents: WebContents, logger: Logger, isOwnUrl: (url: string) => boolean): void {
  const openOutside = (url: string) => {
    if (!isAllowedExternalUrl(url)) {
      logger.warn({ scheme: schemeOf(url) }, 'refused to open a link outside the app');
      return;
    }
    shell.openExternal(url).catch((error: unknown) => logger.warn({ err: error }, 'could not open a link'));
  };
  // The window shows the app and nothing else: a link leaves for the system browser or nowhere.
  contents.on('will-navigate', (event) => {
    if (isOwnUrl(event.url)) return;
    event.preventDefault();
    openOutside(event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isOwnUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isOwnUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function hardenSession(logger: Logger): void {
  const ses = session.defaultSession;
  // Nothing in VitalMesh needs a camera, location, notifications or devices: refuse them all.
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    logger.warn({ permission }, 'permission request refused');
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // The CSP is set as a response header so it holds even if the page's <meta> is lost or loosened.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
}

function openWindow(devUrl: string | undefined): void {
  if (window && !window.isDestroyed()) {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return;
  }
  const created = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'VitalMesh',
    icon: ICON_FILE,
    webPreferences: {
      preload: PRELOAD_FILE,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  window = created;
  created.once('ready-to-show', () => created.show());
  created.on('closed', () => {
    if (window === created) window = undefined;
  });
  const loading = created.loadURL(devUrl ?? APP_INDEX_URL);
  loading.catch((error: unknown) =>
    running?.logger.error({ err: error }, 'the window could not load the app'),
  );
}

function createTray(open: () => void): Tray {
  const tray = new Tray(nativeImage.createFromPath(TRAY_ICON_FILE));
  tray.setToolTip('VitalMesh node is running');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open VitalMesh', click: open },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
  tray.on('click', open);
  return tray;
}

async function start(): Promise<void> {
  const devUrl = devServerUrl(process.env, app.isPackaged);
  const config = desktopConfig();
  const logger = desktopLogger(config.logLevel);
  bootLogger = logger;
  const isOwnUrl = rendererUrlCheck({ appUrl: APP_INDEX_URL, devUrl });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, logger, isOwnUrl));
  hardenSession(logger);
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(RENDERER_DIR, request));
  // The default menu carries Reload and DevTools; a packaged app keeps only what macOS needs for
  // copy and paste to work at all (its shortcuts live in the Edit menu).
  if (app.isPackaged) {
    const macMenu = () => Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }]);
    Menu.setApplicationMenu(process.platform === 'darwin' ? macMenu() : null);
  }

  const node = await createNode(config, { host: 'desktop', logger });
  const ipc = registerIpcAdapter({ api: node.api, ipcMain, logger, isAllowedSender: isOwnUrl });
  const open = () => openWindow(devUrl);
  running = { node, ipc, logger, tray: createTray(open) };
  logger.info({ packaged: app.isPackaged, dev: devUrl !== undefined }, 'desktop host started');

  app.on('second-instance', open);
  app.on('activate', open);
  open();
}

/** Stops IPC, then the node (which closes the encrypted store), then lets Electron exit. */
async function stop(): Promise<void> {
  if (!running) return;
  const { node, ipc, logger, tray } = running;
  running = undefined;
  tray.destroy();
  try {
    await ipc.dispose();
    await node.close();
    logger.info('desktop host stopped');
  } catch (error) {
    logger.error({ err: error }, 'the node did not close cleanly');
  }
  logger.flush();
}

function main(): void {
  // Every renderer is sandboxed, whatever a window's options say.
  app.enableSandbox();
  // The app's own origin (see app-protocol.ts); must be declared before ready, in one call.
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true, // a real origin, so relative URLs and 'self' work
        secure: true, // a secure context, like https
        // Chromium loads Vite's `<script type="module" crossorigin>` in cors mode; like VS Code's
        // vscode-file scheme we allow it. The files are the static, non-secret renderer build.
        supportFetchAPI: true,
        corsEnabled: true,
        codeCache: true,
      },
    },
  ]);
  app.setAppUserModelId('org.vitalmesh.node');
  // One node per data folder: a second launch only brings the first one's window forward.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  // Closing the window must not stop the node; only Quit (tray or menu) does.
  app.on('window-all-closed', () => undefined);

  app.on('before-quit', (event) => {
    if (shutdown === 'done') return;
    event.preventDefault();
    if (shutdown === 'running') return;
    shutdown = 'running';
    void stop().finally(() => {
      shutdown = 'done';
      app.quit();
    });
  });

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // No key source, a wrong key, a bad config: say exactly what, then leave without a window.
      const message = error instanceof Error ? error.message : String(error);
      bootLogger?.fatal({ err: error }, 'the node could not start');
      bootLogger?.flush();
      dialog.showErrorBox('VitalMesh could not start', message);
      shutdown = 'done';
      app.exit(1);
    });
}

function schemeOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return 'invalid';
  }
}

main();
