import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates made with the openssl command line, so TLS tests meet a PKI that none of the
 * node's own certificate code produced. Keys are EC P-256; files are written to `dir` as
 * `<name>.key` and `<name>.crt`.
 */
const openssl = (dir: string, ...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed certificate: a CA, or a server's certificate on its own. */
export function opensslSelfSigned(dir: string, name: string, subjectCn: string, days = 2): void {
  openssl(
    dir,
    'req',
    '-x509',
    ...P256,
    '-days',
    String(days),
    '-subj',
    `/CN=${subjectCn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

/** A certificate for `subjectCn` signed by the CA `ca` (its `.key` and `.crt` in `dir`). */
export function opensslIssued(
  dir: string,
  name: string,
  subjectCn: string,
  options: { ca: string; subjectAltName?: string; days?: number },
): void {
  openssl(dir, 'req', ...P256, '-subj', `/CN=${subjectCn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  const extensions: string[] = [];
  if (options.subjectAltName) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${options.subjectAltName}\n`);
    extensions.push('-extfile', `${name}.ext`);
  }
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${options.ca}.crt`,
    '-CAkey',
    `${options.ca}.key`,
    '-CAcreateserial',
    '-days',
    String(options.days ?? 2),
    ...extensions,
    '-out',
    `${name}.crt`,
  );
}
