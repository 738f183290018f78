import { z } from 'zod';
import { ApiError } from '../../shared/api/errors';
import { role as roleSchema } from '../../shared/roles';
import { loadConfig, type ConfigOverrides } from '../config/config';
import { checkPasswordPolicy, hashPassword } from '../auth/password';
import { UserStore } from '../auth/users';
import { createKeySource } from '../store/key-source';
import { cliActor, withAuditChain } from './audit-entry';

export class UsersCommandError extends Error {
  override name = 'UsersCommandError';
}

const username = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');

/**
 * `vitalmesh users add`: the way to make the first account (an it_admin) on a new node, and any
 * account from a script. The entry it leaves in the audit names the OS user who ran it.
 */
export async function addUser(
  flags: ConfigOverrides,
  input: { username: string; role: string; displayName?: string | undefined },
  password: string,
): Promise<string> {
  const name = username.safeParse(input.username);
  if (!name.success) throw new UsersCommandError(`--username: ${name.error.issues[0]?.message}`);
  const role = roleSchema.safeParse(input.role);
  if (!role.success) throw new UsersCommandError(`--role must be one of ${roleSchema.options.join(', ')}`);
  try {
    checkPasswordPolicy(password, name.data);
  } catch (error) {
    if (error instanceof ApiError) throw new UsersCommandError(error.message);
    throw error;
  }
  const config = loadConfig(flags);
  const keys = await createKeySource(config);
  const passwordHash = await hashPassword(password);
  return withAuditChain(config, keys, (store, chain) => {
    const users = new UserStore(store.db);
    const entry = { actor: cliActor(), host: 'cli', action: 'users.add', target: `user:${name.data}` };
    if (users.exists(name.data)) {
      chain.append({ ...entry, outcome: 'conflict' });
      throw new UsersCommandError(`the username ${name.data} is taken`);
    }
    const user = users.add({
      username: name.data,
      displayName: input.displayName?.trim() || name.data,
      role: role.data,
      passwordHash,
    });
    chain.append({ ...entry, outcome: 'ok', details: { userId: user.id, role: user.role } });
    return `added ${user.username} (${user.role}); they can log in now`;
  });
}
