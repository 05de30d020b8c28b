// The AHT run rules read only AHT_FIELDS of the interval buckets (server/series.ts): the AHT and the calls it is
// counted by, for queues and teams, must come out the same from those fields alone as from every field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AHT_FIELDS, queueWindow, teamFigures, withDerived, type Totals } from '../../server/metrics/formulas.js';
import { teamPoint } from '../../server/metrics/series.js';

const only = (t: Totals, fields: readonly string[]): Totals => Object.fromEntries(Object.entries(t).filter(([k]) => fields.includes(k)));
const counters = (fields: string[]) => fc.dictionary(fc.constantFrom(...fields), fc.integer({ min: 0, max: 5_000_000 }));

const QUEUE_FIELDS = ['en', 'ans', 'ansK', 'ansT', 'wait', 'ab', 'abS', 'abT', 'cb', 'cbd', 'ovo', 'ovi', 'end', 'hand', 'wrap', 'mw', 'mq'];
const TEAM_FIELDS = ['s:idle', 's:ringing', 's:talking', 's:hold', 's:wrap', 's:outbound', 'c:break', 'c:meal', 'c:other', 'ans', 'end', 'l:a1', 'b:a1', 'l:a2'];

describe('AHT_FIELDS', () => {
  it('give a queue its AHT and calls answered as all its fields do', () => {
    fc.assert(
      fc.property(counters(QUEUE_FIELDS), fc.boolean(), (t, excludeShort) => {
        const full = queueWindow({ ...t }, excludeShort), part = queueWindow(only(t, AHT_FIELDS.queue), excludeShort);
        expect([part.ahtSeconds, part.answered]).toEqual([full.ahtSeconds, full.answered]);
      }),
    );
  });

  it('give a team its AHT and calls handled as all its fields do', () => {
    fc.assert(
      fc.property(counters(TEAM_FIELDS), (t) => {
        const full = teamPoint({ ...t }, 600_000, 0.16), part = teamPoint(only(t, AHT_FIELDS.team), 600_000, 0.16);
        expect([part.ahtSeconds, part.callsHandled]).toEqual([full.ahtSeconds, full.callsHandled]);
        expect(teamFigures(withDerived(only(t, AHT_FIELDS.team))).ahtSeconds).toBe(full.ahtSeconds);
      }),
    );
  });
});
