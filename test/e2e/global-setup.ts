// Users and a display token for the browser tests, written to the users file the e2e server reads (the server
// reloads it when it changes, so the order against the web server's start does not matter).
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { addUser, createToken } from '../../server/auth/manage.js';

export const E2E_USERS_FILE = 'test-results/e2e-users.json';
export const E2E = {
  supervisor: { username: 'sup1', password: 'pass-sup-1' },
  lead: { username: 'lead-delta', password: 'pass-lead-1', team: 'team-delta' },
  displayToken: 'e2e-display-token',
  supervisorToken: 'e2e-supervisor',
};

export default async function globalSetup() {
  mkdirSync(dirname(E2E_USERS_FILE), { recursive: true });
  rmSync(E2E_USERS_FILE, { force: true });
  await addUser(E2E_USERS_FILE, { ...E2E.supervisor, roles: ['supervisor'], name: 'Supervisor One' });
  await addUser(E2E_USERS_FILE, { username: E2E.lead.username, password: E2E.lead.password, roles: ['lead'], teams: [E2E.lead.team], name: 'Lead Delta' });
  createToken(E2E_USERS_FILE, { name: 'e2e TV', role: 'display', secret: E2E.displayToken });
}
