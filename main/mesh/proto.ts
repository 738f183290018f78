import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { z } from 'zod';

/**
 * The mesh's .proto, beside this file. The bundles rewrite import.meta.dirname to the source's path
 * relative to the bundle (scripts/build-main.mjs), so a packaged app finds it at main/mesh/ beside
 * dist/ inside app.asar, where electron-builder.yml packs it (proto-packaging.test.ts).
 */
export const MESH_PROTO = join(import.meta.dirname, 'mesh.proto');

const definition = protoLoader.loadSync(MESH_PROTO, {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

interface MeshPackage {
  vitalmesh: { mesh: { v1: { Mesh: grpc.ServiceClientConstructor } } };
}

const loaded = grpc.loadPackageDefinition(definition) as unknown as MeshPackage;
export const MeshClientCtor = loaded.vitalmesh.mesh.v1.Mesh;
export const meshService = MeshClientCtor.service;

/** Largest message either side accepts: a batch of 5,000 rows is ~1 MiB of JSON. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Keepalives on both ends: a cut link is noticed in ~30 s even while a stream is idle. */
export const KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
} as const;

// What arrives over the wire is checked like any other external input.
const str = z.string().max(1000);

export const pullRequestSchema = z.object({
  productId: z.string().min(1).max(100),
  cursor: str,
  maxBatches: z.number().int().min(0),
  accept: z.array(z.string().max(40)).max(10).default([]),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

export const ackRequestSchema = z.object({
  productId: z.string().min(1).max(100),
  cursor: str,
  rows: z.number().int().min(0),
});

export const batchSchema = z.object({
  productId: z.string().min(1).max(100),
  productVersion: z.number().int(),
  agreementId: z.string().min(1).max(100),
  agreementVersion: z.number().int(),
  cursorFrom: str,
  cursorTo: str,
  rowCount: z.number().int().min(0),
  columns: z.array(z.string().max(100)).max(100),
  rows: z.instanceof(Buffer),
  sha256: z.instanceof(Buffer),
  encoding: z.enum(['', 'json', 'columnar-v1']).default(''),
});
export type WireBatch = z.infer<typeof batchSchema>;

export const catalogSchema = z.object({
  products: z.array(
    z.object({
      productId: z.string(),
      productVersion: z.number().int(),
      description: z.string(),
      grain: z.string(),
      agreementId: z.string(),
      agreementVersion: z.number().int(),
      purpose: z.string(),
      profile: z.string(),
      k: z.number().int(),
      expiresAtMs: z.number(),
      columns: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
    }),
  ),
});
export type WireCatalog = z.infer<typeof catalogSchema>;

export const healthSchema = z.object({
  facilityId: z.string(),
  version: z.string(),
  timeMs: z.number(),
});
