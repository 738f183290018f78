import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir';
import { ConfigError, DEFAULTS, loadConfig } from './config';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, 'data'));
});
afterEach(() => cleanup());

const writeConfig = (value: unknown) =>
  writeFileSync(join(dir, 'data', 'config.json'), JSON.stringify(value));

describe('configuration', () => {
  it('uses defaults when nothing is given, and no key source', () => {
    const config = loadConfig({ dataDir: join(dir, 'data') }, {});
    expect(config.consoleHost).toBe(DEFAULTS.consoleHost);
    expect(config.consolePort).toBe(DEFAULTS.consolePort);
    expect(config.keySource).toBeUndefined();
    expect(config.demo).toBe(false);
  });

  it('lets flags win over the environment, the environment over the file, the file over defaults', () => {
    writeConfig({
      consolePort: 9001,
      consoleHost: '127.0.0.2',
      facilityName: 'From file',
      keySource: 'file',
      keyFile: 'keys/k',
    });
    const env = {
      VITALMESH_DATA_DIR: join(dir, 'data'),
      VITALMESH_CONSOLE_PORT: '9002',
      VITALMESH_FACILITY_NAME: 'From env',
    };
    const config = loadConfig({ consolePort: 9003 }, env);
    expect(config.consolePort).toBe(9003);
    expect(config.facilityName).toBe('From env');
    expect(config.consoleHost).toBe('127.0.0.2');
    expect(config.keySource).toBe('file');
    // A path in config.json is relative to the data dir it lives in.
    expect(config.keyFile).toBe(join(dir, 'data', 'keys', 'k'));
  });

  it('takes the passphrase only from the environment', () => {
    const config = loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_PASSPHRASE: 'a long passphrase' });
    expect(config.passphrase).toBe('a long passphrase');
    writeConfig({ passphrase: 'in a file' });
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(/passphrase|Unrecognized/);
  });

  it('names the file and field of a bad setting', () => {
    writeConfig({ consolePort: 'eighty' });
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(/config\.json: consolePort/);
    writeFileSync(join(dir, 'data', 'config.json'), '{ not json');
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(/config\.json is not valid JSON/);
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_CONSOLE_PORT: '99999' })).toThrow(
      /VITALMESH_CONSOLE_PORT="99999" is not valid/,
    );
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_KEY_SOURCE: 'usb-stick' })).toThrow(
      /VITALMESH_KEY_SOURCE/,
    );
  });
});

describe('HL7 v2 (MLLP) listener settings', () => {
  it('defaults to 127.0.0.1:2575 with a 1 MiB frame limit, and takes flag, environment and file', () => {
    const defaults = loadConfig({ dataDir: join(dir, 'data') }, {});
    expect(defaults).toMatchObject({
      mllpEnabled: true,
      mllpHost: '127.0.0.1',
      mllpPort: 2575,
      mllpMaxFrameBytes: 1024 * 1024,
    });
    // One thread reads frames beside the store's, where there is a core for it.
    expect(defaults.mllpDecideThreads).toBe(availableParallelism() > 1 ? 1 : 0);
    writeConfig({
      mllpPort: 3000,
      mllpMaxFrameBytes: 4096,
      hl7KeepTypes: ['ADT', 'ORM'],
      mllpDecideThreads: 0,
    });
    const fromFile = loadConfig({ dataDir: join(dir, 'data') }, {});
    expect(fromFile).toMatchObject({
      mllpPort: 3000,
      mllpMaxFrameBytes: 4096,
      hl7KeepTypes: ['ADT', 'ORM'],
      mllpDecideThreads: 0,
    });
    const env = { VITALMESH_MLLP_PORT: '3001', VITALMESH_MLLP_ENABLED: '0' };
    expect(loadConfig({ dataDir: join(dir, 'data') }, env)).toMatchObject({
      mllpPort: 3001,
      mllpEnabled: false,
    });
    expect(loadConfig({ dataDir: join(dir, 'data'), mllpPort: 0 }, env).mllpPort).toBe(0);
    writeConfig({ mllpDecideThreads: 64 });
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(/config\.json: mllpDecideThreads/);
  });

  it('names a bad port, a TLS setting without its CA, and resolves TLS files in the data dir', () => {
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_MLLP_PORT: 'twenty' })).toThrow(
      /VITALMESH_MLLP_PORT="twenty" is not valid/,
    );
    writeConfig({ mllpTls: { certFile: 'c.pem', keyFile: 'k.pem', requireClientCert: true } });
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(
      /mllpTls: requireClientCert needs caFile/,
    );
    writeConfig({ mllpTls: { certFile: 'c.pem', keyFile: 'k.pem' } });
    expect(loadConfig({ dataDir: join(dir, 'data') }, {}).mllpTls).toMatchObject({
      certFile: join(dir, 'data', 'c.pem'),
      keyFile: join(dir, 'data', 'k.pem'),
      requireClientCert: false,
    });
  });
});

describe('signal-lost time (live vitals)', () => {
  it('defaults to 15 s and takes flag, environment and file, flag first', () => {
    expect(loadConfig({ dataDir: join(dir, 'data') }, {}).signalLostSeconds).toBe(15);
    writeConfig({ signalLostSeconds: 30 });
    expect(loadConfig({ dataDir: join(dir, 'data') }, {}).signalLostSeconds).toBe(30);
    const env = { VITALMESH_SIGNAL_LOST_SECONDS: '45' };
    expect(loadConfig({ dataDir: join(dir, 'data') }, env).signalLostSeconds).toBe(45);
    expect(loadConfig({ dataDir: join(dir, 'data'), signalLostSeconds: 60 }, env).signalLostSeconds).toBe(60);
  });

  it('refuses a time outside 5–3600 s, naming where it came from', () => {
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_SIGNAL_LOST_SECONDS: '2' })).toThrow(
      /VITALMESH_SIGNAL_LOST_SECONDS="2" is not valid/,
    );
    expect(() =>
      loadConfig({ dataDir: join(dir, 'data') }, { VITALMESH_SIGNAL_LOST_SECONDS: 'soon' }),
    ).toThrow(/VITALMESH_SIGNAL_LOST_SECONDS="soon" is not valid/);
    expect(() => loadConfig({ dataDir: join(dir, 'data'), signalLostSeconds: 4000 }, {})).toThrow(
      /signalLostSeconds 4000 is out of range.*--signal-lost-seconds/,
    );
    writeConfig({ signalLostSeconds: 1.5 });
    expect(() => loadConfig({ dataDir: join(dir, 'data') }, {})).toThrow(/config\.json: signalLostSeconds:/);
  });
});
