// `npm run users -- <command>`: manage sign-in users and tokens in the users file (auth.usersFile, or
// FLOORWATCH_USERS_FILE; default .floorwatch/users.json). Running servers pick changes up within seconds.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { readAccounts, PAGES, type Page } from '../server/auth/accounts.js';
import { addUser, createToken, removeUser, revokeToken, setPassword, type TokenRole, type UserRole } from '../server/auth/manage.js';

const HELP = `Usage: npm run users -- <command> [options]

  add <username> --role supervisor|lead|admin[,…] [--teams a,b] [--name "Full Name"] [--password-stdin]
  passwd <username> [--password-stdin]
  remove <username>
  list
  token:create --name "TV lobby" --role display|ingest|supervisor [--pages wallboard,…] [--days N]
  token:revoke <token-id>

Passwords are asked for on the terminal, or read from standard input with --password-stdin.
The users file: FLOORWATCH_USERS_FILE, or auth.usersFile in the config (default .floorwatch/users.json).`;

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Hide what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.includes('Password')) process.stdout.write(s);
  };
  const password = await rl.question('Password (10+ characters): ');
  rl.close();
  process.stdout.write('\n');
  return password;
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      teams: { type: 'string' },
      name: { type: 'string' },
      pages: { type: 'string' },
      days: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (!command || values.help) return console.log(HELP);
  const path = resolve(loadConfig(process.env).auth.usersFile);
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);

  switch (command) {
    case 'add': {
      if (!arg || !values.role) throw new Error('add needs <username> and --role');
      await addUser(path, { username: arg, roles: list(values.role) as UserRole[], teams: list(values.teams), name: values.name, password: await readPassword(Boolean(values['password-stdin'])) });
      return console.log(`added ${arg} (${values.role}) to ${path}`);
    }
    case 'passwd':
      if (!arg) throw new Error('passwd needs <username>');
      await setPassword(path, arg, await readPassword(Boolean(values['password-stdin'])));
      return console.log(`password of ${arg} changed`);
    case 'remove':
      if (!arg) throw new Error('remove needs <username>');
      removeUser(path, arg);
      return console.log(`removed ${arg}`);
    case 'list': {
      const a = readAccounts(path);
      for (const u of a.users) console.log(`user   ${u.username.padEnd(20)} ${u.roles.join(',').padEnd(18)} ${u.teams.join(',')}`);
      for (const t of a.tokens) console.log(`token  ${t.id.padEnd(20)} ${t.role.padEnd(18)} ${t.name}${t.expiresAt ? ` (until ${t.expiresAt})` : ''}`);
      return;
    }
    case 'token:create': {
      if (!values.name || !values.role) throw new Error('token:create needs --name and --role');
      const pages = list(values.pages) as Page[];
      if (pages.some((p) => !PAGES.includes(p))) throw new Error(`--pages must be among ${PAGES.join(', ')}`);
      const { id, secret } = createToken(path, { name: values.name, role: values.role as TokenRole, pages: pages.length ? pages : undefined, days: values.days ? Number(values.days) : undefined });
      console.log(`token ${id} created. Its secret is shown only now:\n\n  ${secret}\n`);
      if (values.role === 'display') console.log(`Kiosk URL: http://<server>:<port>/wallboard?token=${secret}  (exchanged for a cookie on first load)`);
      else console.log(`Send it as: Authorization: Bearer ${secret}`);
      return;
    }
    case 'token:revoke':
      if (!arg) throw new Error('token:revoke needs <token-id>');
      revokeToken(path, arg);
      return console.log(`revoked ${arg}; live connections using it are dropped within seconds`);
    default:
      throw new Error(`unknown command "${command}"\n\n${HELP}`);
  }
}

main().catch((e) => {
  console.error(`users: ${(e as Error).message}`);
  process.exit(1);
});
