// Editing the users file: used by the `npm run users` CLI and by test setup. Each function reads, changes and
// writes the file once.
import { randomBytes } from 'node:crypto';
import { readAccounts, writeAccounts, type Page, type TokenRecord, type UserRecord } from './accounts.js';
import { hashPassword, hashToken, newToken } from './credentials.js';

export type UserRole = UserRecord['roles'][number];
export type TokenRole = TokenRecord['role'];

export async function addUser(path: string, u: { username: string; password: string; roles: UserRole[]; teams?: string[]; name?: string }): Promise<void> {
  const accounts = readAccounts(path);
  if (accounts.users.some((x) => x.username === u.username)) throw new Error(`user "${u.username}" exists already (use passwd or remove)`);
  if (u.password.length < 10) throw new Error('the password must have at least 10 characters');
  if (u.roles.includes('lead') && !(u.teams?.length)) throw new Error('a lead needs --teams');
  accounts.users.push({ username: u.username, name: u.name, roles: u.roles, teams: u.teams ?? [], password: await hashPassword(u.password) });
  writeAccounts(path, accounts);
}

export async function setPassword(path: string, username: string, password: string): Promise<void> {
  if (password.length < 10) throw new Error('the password must have at least 10 characters');
  const accounts = readAccounts(path);
  const user = accounts.users.find((x) => x.username === username);
  if (!user) throw new Error(`no user "${username}"`);
  user.password = await hashPassword(password);
  writeAccounts(path, accounts);
}

export function removeUser(path: string, username: string): void {
  const accounts = readAccounts(path);
  const before = accounts.users.length;
  accounts.users = accounts.users.filter((x) => x.username !== username);
  if (accounts.users.length === before) throw new Error(`no user "${username}"`);
  writeAccounts(path, accounts);
}

/** Creates a token and returns its secret, which is shown once and stored only as a hash. */
export function createToken(path: string, t: { name: string; role: TokenRole; pages?: Page[]; days?: number; secret?: string }, now = Date.now()): { id: string; secret: string } {
  const accounts = readAccounts(path);
  const id = `t_${randomBytes(4).toString('hex')}`;
  const secret = t.secret ?? newToken();
  accounts.tokens.push({
    id,
    name: t.name,
    role: t.role,
    pages: t.pages ?? ['wallboard'],
    hash: hashToken(secret),
    createdAt: new Date(now).toISOString(),
    expiresAt: t.days ? new Date(now + t.days * 86_400_000).toISOString() : null,
  });
  writeAccounts(path, accounts);
  return { id, secret };
}

export function revokeToken(path: string, id: string): void {
  const accounts = readAccounts(path);
  const before = accounts.tokens.length;
  accounts.tokens = accounts.tokens.filter((x) => x.id !== id);
  if (accounts.tokens.length === before) throw new Error(`no token "${id}"`);
  writeAccounts(path, accounts);
}
