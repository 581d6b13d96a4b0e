import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const DEFAULTS = {
  default_model: 'role-based',
  role_weights: { closer: 35, referral: 25, demo: 15, intro: 15, support: 10, other: 5 },
  half_life_days: 7,
  lookback_days: null,
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('GET /settings', () => {
  it('shows the defaults out of the box, to any read key', async () => {
    const res = await t.as(await t.createKey(['read'])).get('/settings');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(DEFAULTS);
  });
});

describe('PATCH /settings', () => {
  it('merges role weights into the current ones and keeps what was not sent', async () => {
    const res = await t.api.patch('/settings', { role_weights: { closer: 50, other: 0 } });
    expect(res.statusCode).toBe(200);
    const expected = { ...DEFAULTS, role_weights: { ...DEFAULTS.role_weights, closer: 50, other: 0 } };
    expect(res.json()).toEqual(expected);
    expect((await t.api.patch('/settings', { half_life_days: 2.5, default_model: 'linear' })).json()).toEqual({
      ...expected,
      half_life_days: 2.5,
      default_model: 'linear',
    });
    expect((await t.api.get('/settings')).json()).toEqual({ ...expected, half_life_days: 2.5, default_model: 'linear' });
    expect((await t.api.patch('/settings', {})).json()).toEqual({ ...expected, half_life_days: 2.5, default_model: 'linear' });
    await t.api.patch('/settings', DEFAULTS);
    expect((await t.api.get('/settings')).json()).toEqual(DEFAULTS);
  });

  it('gives new deals the default model', async () => {
    await t.api.patch('/settings', { default_model: 'position-based' });
    expect((await t.api.post('/deals', { id: 'd-default', amount: 1 })).json().attribution_model).toBe('position-based');
    await t.api.patch('/settings', { default_model: 'role-based' });
  });

  it.each([
    [{ role_weights: { closer: -1 } }, 'role_weights/closer'],
    [{ role_weights: { closer: 'a lot' } }, 'role_weights/closer'],
    [{ role_weights: { closer: 0, referral: 0, demo: 0, intro: 0, support: 0, other: 0 } }, 'role_weights'],
    [{ role_weights: { partnership: 10 } }, 'role_weights/partnership'],
    [{ half_life_days: 0 }, 'half_life_days'],
    [{ half_life_days: -3 }, 'half_life_days'],
    [{ half_life_days: '7' }, 'half_life_days'],
    [{ default_model: 'markov-ish' }, 'default_model'],
    [{ colour: 'blue' }, 'colour'],
  ])('rejects %j with a 400 naming %s, and changes nothing', async (body, path) => {
    const res = await t.api.patch('/settings', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors.map((error: { path: string }) => error.path)).toContain(path);
    expect((await t.api.get('/settings')).json()).toEqual(DEFAULTS);
  });

  it('rejects all-zero weights reached by merging too', async () => {
    await t.api.patch('/settings', { role_weights: { closer: 0, referral: 0, demo: 0, intro: 0, support: 0 } });
    const res = await t.api.patch('/settings', { role_weights: { other: 0 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'role_weights', message: 'at least one role weight must be greater than 0' }]);
    await t.api.patch('/settings', DEFAULTS);
  });

  it('needs the admin scope', async () => {
    for (const scopes of [['read'], ['write']] as const) {
      const res = await t.as(await t.createKey([...scopes])).patch('/settings', { half_life_days: 3 });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.api.get('/settings')).json().half_life_days).toBe(7);
  });
});
