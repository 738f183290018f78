import 'reflect-metadata';
import { X509Certificate as NodeX509, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 resolves its crypto provider through tsyringe; Node 20's WebCrypto is standard.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** The SAN URI that names a facility: the one identity a peer is checked against. */
export const FACILITY_URI_PREFIX = 'urn:vitalmesh:facility:';
export const facilityUri = (facilityId: string): string => `${FACILITY_URI_PREFIX}${facilityId}`;

/** A certificate with its private key, both PEM. */
export interface KeyedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly fingerprint: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

export const CA_LIFETIME_DAYS = 3650;
export const NODE_CERT_LIFETIME_DAYS = 90;

/** SHA-256 of the DER, colon-separated upper-case hex: what Node's TLS layer shows as fingerprint256. */
export function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256;
}

const serial = (): string => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER (RFC 5280 §4.1.2.2)
  return bytes.toString('hex');
};

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error('no private key in PEM');
  return await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

const newKeys = async () => await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);

const keyed = async (cert: x509.X509Certificate, key: webcrypto.CryptoKey): Promise<KeyedCertificate> => {
  const certPem = cert.toString('pem');
  return {
    certPem,
    keyPem: await exportKeyPem(key),
    fingerprint: fingerprintOf(certPem),
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
  };
};

/** The facility's own CA: signs only this facility's node certificates (path length 0). */
export async function createFacilityCa(
  facilityId: string,
  displayName: string,
  now = Date.now(),
): Promise<KeyedCertificate> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [`VitalMesh CA ${displayName.slice(0, 40)}`] }, { O: ['VitalMesh'] }, { OU: [facilityId] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_LIFETIME_DAYS * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: facilityUri(facilityId) }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return keyed(cert, keys.privateKey);
}

/**
 * The node certificate: server and client auth, the facility id as SAN URI (what peers check)
 * and the host names the node is reached by (what TLS host checks use).
 */
export async function issueNodeCertificate(
  ca: KeyedCertificate,
  facilityId: string,
  hostNames: readonly string[],
  now = Date.now(),
  lifetimeDays = NODE_CERT_LIFETIME_DAYS,
): Promise<KeyedCertificate> {
  const keys = await newKeys();
  const caCert = new x509.X509Certificate(ca.certPem);
  const names = [...new Set(['localhost', '127.0.0.1', ...hostNames])];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [`VitalMesh node ${facilityId}`] }, { O: ['VitalMesh'] }],
    issuer: caCert.subjectName,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + lifetimeDays * DAY),
    publicKey: keys.publicKey,
    signingKey: await importKeyPem(ca.keyPem),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: facilityUri(facilityId) },
        ...names.map((n) =>
          isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n },
        ),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return keyed(cert, keys.privateKey);
}

/** The facility ids a certificate names in its SAN URIs (Node's `subjectaltname` text form). */
export function facilityIdsFromSan(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname
    .split(/,\s*/)
    .filter((part) => part.startsWith(`URI:${FACILITY_URI_PREFIX}`))
    .map((part) => part.slice(`URI:${FACILITY_URI_PREFIX}`.length));
}

/** Checks a PEM is one CA certificate and returns what an enrolment shows about it. */
export function describeCaCertificate(pem: string): {
  fingerprint: string;
  subject: string;
  notAfter: number;
  facilityIds: string[];
} {
  const cert = new NodeX509(pem);
  if (!cert.ca) throw new Error('the certificate is not a CA certificate');
  return {
    fingerprint: cert.fingerprint256,
    subject: cert.subject.replace(/\n/g, ', '),
    notAfter: Date.parse(cert.validTo),
    facilityIds: facilityIdsFromSan(cert.subjectAltName),
  };
}
