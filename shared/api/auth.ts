import { z } from 'zod';
import { role } from '../roles';
import { method } from './define';

const empty = z.object({}).strict();
const username = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');
// Length and "not the username" are checked in main/auth (the check needs both fields); the
// schema only bounds the size so a huge body can't make scrypt work on megabytes.
const password = z.string().min(1).max(1024);
const units = z.array(z.string().trim().min(1).max(64)).max(50);

export const publicUser = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role,
  units: z.array(z.string()),
});
export type PublicUser = z.infer<typeof publicUser>;

export const userRecord = publicUser.extend({
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
  lockedUntil: z.string().nullable(),
  activeSessions: z.number().int().nonnegative(),
});
export type UserRecord = z.infer<typeof userRecord>;

export const loginResult = z.object({
  /** For scripts and the CLI (`Authorization: Bearer`); the console also gets it as a cookie. */
  token: z.string(),
  expiresAt: z.string(),
  idleTimeoutSeconds: z.number().int(),
  user: publicUser,
});
export type LoginResult = z.infer<typeof loginResult>;

const userId = z.object({ userId: z.number().int().positive() }).strict();

export const authMethods = {
  'auth.status': method(
    'Whether this node has any user yet (the login page says how to create the first one).',
    empty,
    z.object({ hasUsers: z.boolean(), demo: z.boolean() }),
  ),
  'auth.login': method(
    'Log in with username and password; returns a session.',
    z.object({ username: z.string().trim().min(1).max(64), password }).strict(),
    loginResult,
  ),
  'auth.logout': method('End the current session.', empty, z.object({ ended: z.boolean() })),
  'auth.me': method(
    'Who is logged in, and until when.',
    empty,
    publicUser.extend({ idleTimeoutSeconds: z.number().int() }),
  ),
} as const;

export const userMethods = {
  'users.list': method('Every local account (never their password hashes).', empty, z.array(userRecord)),
  'users.add': method(
    'Create a local account.',
    z
      .object({
        username,
        displayName: z.string().trim().min(1).max(200),
        role,
        password,
        units: units.default([]),
      })
      .strict(),
    userRecord,
  ),
  'users.disable': method('Disable an account; its sessions end at once.', userId, userRecord),
  'users.enable': method('Enable a disabled account again.', userId, userRecord),
  'users.resetPassword': method(
    "Set a new password for an account (lifts a lockout, ends the account's sessions).",
    z.object({ userId: z.number().int().positive(), password }).strict(),
    userRecord,
  ),
  'users.setRole': method(
    "Change an account's role; takes effect on its next call.",
    z.object({ userId: z.number().int().positive(), role }).strict(),
    userRecord,
  ),
  'users.setUnits': method(
    "Set a clinician's assigned units (patients elsewhere need break-glass).",
    z.object({ userId: z.number().int().positive(), units }).strict(),
    userRecord,
  ),
} as const;
