// POST /api/connectors/amazon-connect into the real engine: the AWS sample heartbeat (MIT-0, see
// test/fixtures/amazon-connect/ATTRIBUTION.md) shows its agent, a bad record is reported, and tokens are enforced.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_TOKENS, bearer, startTestFloorwatch, type TestFloorwatch } from '../support/floorwatch.js';

const sample = readFileSync(fileURLToPath(new URL('../fixtures/amazon-connect/sample-agent-event-stream.json', import.meta.url)), 'utf8');
let fw: TestFloorwatch | null = null;
afterEach(async () => {
  await fw?.close();
  fw = null;
});

const postConnect = (body: string, headers: Record<string, string> = bearer(TEST_TOKENS.ingest)) =>
  fetch(`${fw!.url}/api/connectors/amazon-connect`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('Amazon Connect connector', () => {
  it('maps the documented heartbeat: the agent is logged in and, with Lunch queued as next status, not ready', async () => {
    // The sample is from 2019: the replay clock takes "now" from the events.
    fw = await startTestFloorwatch({}, { FLOORWATCH_CLOCK: 'replay' });
    // NDJSON: the sample on one line, a record with no agent, and a line that is not JSON.
    const res = await postConnect(`${JSON.stringify(JSON.parse(sample))}\n{"EventType": "STATE_CHANGE"}\nnot json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; recordErrors: { index: number }[] };
    expect(body.accepted).toBeGreaterThan(0);
    expect(body.recordErrors.map((e) => e.index)).toEqual([1, 2]);
    const snap = await fw.snapshot();
    const agent = snap.agents.find((a) => a.agentId === 'agent-ARN')!;
    // Name from FirstName + LastName, team from the routing profile's name, state from NextAgentStatus "Lunch".
    expect(agent).toMatchObject({ name: 'AgentEventStreamTest Agent', teamId: 'AgentEventStreamProfile', state: 'not_ready', reason: 'Lunch' });
    expect(snap.generatedAt).toBe('2019-08-13T20:58:44.031Z');
    const health = await fw.get<{ sources: Record<string, { eventsTotal: number }> }>('/api/health');
    expect(health.sources['amazon-connect']!.eventsTotal).toBeGreaterThan(0);
  });

  it('needs an ingest token', async () => {
    fw = await startTestFloorwatch({}, { FLOORWATCH_CLOCK: 'replay' });
    expect((await postConnect(sample, {})).status).toBe(401);
    expect((await postConnect(sample, bearer(TEST_TOKENS.supervisor))).status).toBe(403);
    expect((await fw.snapshot()).agents).toHaveLength(0);
  });
});
