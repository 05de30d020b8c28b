import { describe, expect, it } from 'vitest';
import { ConfigError, buildConfig } from '../../server/config.js';

describe('config', () => {
  it('has documented defaults', () => {
    const c = buildConfig({}, {});
    expect(c.port).toBe(8080);
    expect(c.clock).toBe('wall');
    expect(c.simulatorOn).toBe(true);
    expect(c.thresholds.breakCvLimit).toBe(0.16);
    expect(c.ingest.latenessSeconds).toBe(60);
    expect(c.queue('any')).toMatchObject({ serviceLevelSeconds: 20, shortAbandonSeconds: 5, serviceLevelTarget: 0.8, name: 'any' });
    expect(c.categoryOf('break')).toBe('break');
    expect(c.categoryOf('coffee')).toBe('other');
    expect(c.categoryOf(undefined)).toBe('other');
  });

  it('lets environment variables override and switch the simulator off', () => {
    const c = buildConfig({}, { PORT: '9090', FLOORWATCH_CLOCK: 'replay', FLOORWATCH_SIMULATOR: 'off', REDIS_URL: 'redis://h:1' });
    expect(c).toMatchObject({ port: 9090, clock: 'replay', simulatorOn: false, redisUrl: 'redis://h:1' });
  });

  it('lists every problem of a bad file with its path', () => {
    let message = '';
    try {
      buildConfig({ site: { timeZone: 'Mars/Olympus', dayResetTime: '7am' }, queues: [{ id: 'q', serviceLevelSeconds: -1 }], colour: 'red' }, {}, 'site.json');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toContain('site.json');
    expect(message).toMatch(/queues\.0\.serviceLevelSeconds/);
    expect(message).toMatch(/colour/);
  });

  it('rejects bad environment values clearly', () => {
    expect(() => buildConfig({}, { FLOORWATCH_CLOCK: 'sundial' })).toThrow(/FLOORWATCH_CLOCK/);
    expect(() => buildConfig({}, { PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => buildConfig({}, { FLOORWATCH_SIMULATOR: 'maybe' })).toThrow(/FLOORWATCH_SIMULATOR/);
  });

  it('maps site reason codes to categories, case-insensitively', () => {
    const c = buildConfig({ reasonCategories: { break: 'break', lunch: 'meal', trn: 'training' } }, {});
    expect(c.categoryOf('LUNCH')).toBe('meal');
    expect(c.categoryOf('trn')).toBe('training');
  });
});

describe('config.example.json', () => {
  it('is a valid configuration', async () => {
    const { loadConfig } = await import('../../server/config.js');
    const c = loadConfig({ FLOORWATCH_CONFIG: 'config.example.json' });
    expect(c.site.timeZone).toBe('Asia/Shanghai');
    expect(c.queue('vip')).toMatchObject({ serviceLevelSeconds: 10, shortAbandonSeconds: 3, name: 'VIP' });
    expect(c.categoryOf('rest')).toBe('break');
  });
});
