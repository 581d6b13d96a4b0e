import { describe, expect, it } from 'vitest';
import { breaksConnection, classifyDatabaseError, DatabaseMonitor } from '../../src/storage/availability.js';

const failure = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});

describe('classifyDatabaseError', () => {
  it.each([
    [failure('ECONNREFUSED'), 'unavailable'],
    [failure('57P01', 'terminating connection due to administrator command'), 'unavailable'],
    [failure('57014', 'canceling statement due to statement timeout'), 'unavailable'],
    [failure(undefined, 'Connection terminated unexpectedly'), 'unavailable'],
    [failure(undefined, 'Query read timeout'), 'unavailable'],
    [failure(undefined, 'timeout exceeded when trying to connect'), 'unavailable'],
    [failure('SQLITE_BUSY'), 'writes_refused'],
    [failure('SQLITE_IOERR_WRITE'), 'writes_refused'],
    [failure('SQLITE_IOERR_READ'), 'unavailable'],
    [failure('SQLITE_CANTOPEN'), 'unavailable'],
    [failure('SQLITE_FULL'), 'writes_refused'],
    [failure('SQLITE_READONLY'), 'writes_refused'],
    [failure('53100', 'could not extend file: No space left on device'), 'writes_refused'],
    [failure('25006', 'cannot execute INSERT in a read-only transaction'), 'writes_refused'],
    [failure('23505', 'duplicate key'), undefined],
    [failure('SQLITE_CONSTRAINT_UNIQUE'), undefined],
    [new AggregateError([failure('ECONNREFUSED'), failure('ECONNREFUSED')], ''), 'unavailable'],
    ['not an error', undefined],
  ])('%s → %s', (error, kind) => {
    expect(classifyDatabaseError(error)).toBe(kind);
  });

  it('keeps a connection after a statement timeout, and drops one that broke', () => {
    expect(breaksConnection(failure('57014'))).toBe(false);
    expect(breaksConnection(failure(undefined, 'Query read timeout'))).toBe(true);
    expect(breaksConnection(failure('57P01'))).toBe(true);
    expect(breaksConnection(failure('23505'))).toBe(false);
  });
});

describe('DatabaseMonitor', () => {
  function monitored() {
    let now = 1_000_000;
    const monitor = new DatabaseMonitor(async () => undefined, () => now);
    const events: string[] = [];
    monitor.on('unavailable', () => events.push('unavailable'));
    monitor.on('still-unavailable', (failures, sinceMs) => events.push(`still ${failures} ${sinceMs}`));
    monitor.on('available', (outageMs, failures) => events.push(`available ${outageMs} ${failures}`));
    monitor.on('writes-refused', () => events.push('writes-refused'));
    monitor.on('writes-accepted', () => events.push('writes-accepted'));
    return { monitor, events, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('reports an outage once, a summary at most every 30 s, and the recovery once', () => {
    const { monitor, events, advance, now } = monitored();
    for (let n = 0; n < 1_000; n++) {
      monitor.recordFailure(failure('ECONNREFUSED'));
      advance(50);
    }
    const sent = now();
    monitor.recordSuccess(sent);
    monitor.recordSuccess(sent);
    expect(events).toEqual(['unavailable', 'still 601 30000', 'available 50000 1000']);
  });

  it('ignores a success for a query sent before the outage began', () => {
    const { monitor, events, advance, now } = monitored();
    const sentBefore = now();
    advance(10);
    monitor.recordFailure(failure('57P01'));
    monitor.recordSuccess(sentBefore);
    expect(monitor.available).toBe(false);
    expect(events).toEqual(['unavailable']);
  });

  it('ends an outage only with a query sent after its latest failure (a stopping server answers a last query or two)', () => {
    const { monitor, events, advance, now } = monitored();
    monitor.recordFailure(failure('57P01'));
    advance(5);
    const sentDuringTheStop = now();
    advance(5);
    monitor.recordFailure(failure('57P01'));
    monitor.recordSuccess(sentDuringTheStop);
    expect(monitor.available).toBe(false);
    advance(1_000);
    monitor.recordSuccess(now());
    expect(events).toEqual(['unavailable', 'available 1010 2']);
  });

  it('takes a failure of a query sent before the recovery for a leftover of that outage, not a new one', () => {
    const { monitor, events, advance, now } = monitored();
    monitor.recordFailure(failure('ECONNREFUSED'));
    advance(1_000);
    const sentBeforeRecovery = now();
    advance(5);
    monitor.recordSuccess(now());
    advance(5);
    monitor.recordFailure(failure(undefined, 'Connection terminated unexpectedly'), sentBeforeRecovery);
    expect(monitor.available).toBe(true);
    monitor.recordFailure(failure('ECONNREFUSED'), now());
    expect(monitor.available).toBe(false);
    expect(events).toEqual(['unavailable', 'available 1005 1', 'unavailable']);
  });

  it('says writes are refused once, forgets it when one is stored, and logs the end after 5 s without refusals', () => {
    const { monitor, events, advance } = monitored();
    monitor.recordFailure(failure('SQLITE_FULL'));
    advance(100);
    monitor.recordFailure(failure('SQLITE_FULL'));
    expect(monitor.recentWriteFailure()).toBeDefined();
    advance(100);
    monitor.recordWriteSuccess();
    expect(monitor.recentWriteFailure()).toBeUndefined();
    expect(events).toEqual(['writes-refused']);
    advance(5_000);
    monitor.recordWriteSuccess();
    expect(events).toEqual(['writes-refused', 'writes-accepted']);
  });

  it('forgets a refused write after 10 s without another', () => {
    const { monitor, advance } = monitored();
    monitor.recordFailure(failure('25006'));
    advance(9_999);
    expect(monitor.recentWriteFailure()).toBeDefined();
    advance(1);
    expect(monitor.recentWriteFailure()).toBeUndefined();
  });
});
