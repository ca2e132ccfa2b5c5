import { nextCronRun, nextTimetableRun, timetableProblem } from './timetable';

const at = (iso: string) => new Date(iso);

describe('nextTimetableRun', () => {
  const everyMonday4x = { perHour: 4, hoursOfDay: [9, 17], daysOfWeek: ['MON' as const] };

  it('returns the window containing now when asked to include it, else the next window', () => {
    // 2026-03-02 is a Monday.
    expect(nextTimetableRun(everyMonday4x, at('2026-03-02T09:20:00Z'), true).toISOString()).toBe('2026-03-02T09:15:00.000Z');
    expect(nextTimetableRun(everyMonday4x, at('2026-03-02T09:20:00Z'), false).toISOString()).toBe('2026-03-02T09:30:00.000Z');
  });

  it('skips to the next matching hour and day, and skips missed windows after a late run', () => {
    expect(nextTimetableRun(everyMonday4x, at('2026-03-02T09:50:00Z'), false).toISOString()).toBe('2026-03-02T17:00:00.000Z');
    expect(nextTimetableRun(everyMonday4x, at('2026-03-03T00:00:00Z'), false).toISOString()).toBe('2026-03-09T09:00:00.000Z');
  });

  it('honours days of month and months', () => {
    const tt = { perHour: 1, hoursOfDay: [0], daysOfMonth: [29], months: ['FEB' as const] };
    expect(nextTimetableRun(tt, at('2026-03-01T00:00:00Z'), false).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('reports invalid timetables', () => {
    expect(timetableProblem({ perHour: 0, hoursOfDay: [1], daysOfWeek: ['MON'] })).toMatch(/per-hour/);
    expect(timetableProblem({ perHour: 1, hoursOfDay: [24], daysOfWeek: ['MON'] })).toMatch(/hours-of-day/);
    expect(timetableProblem({ perHour: 1, hoursOfDay: [1], daysOfWeek: ['MON'], daysOfMonth: [1] })).toMatch(/mutually exclusive/);
    expect(timetableProblem({ perHour: 1, hoursOfDay: [1], daysOfMonth: [31], months: ['FEB'] })).toMatch(/never fires/);
    expect(timetableProblem(everyMonday4x)).toBeUndefined();
  });
});

describe('nextCronRun', () => {
  it.each([
    ['0 0 * * *', '2026-03-02T10:11:00Z', '2026-03-03T00:00:00.000Z'],
    ['*/15 * * * *', '2026-03-02T10:11:30Z', '2026-03-02T10:15:00.000Z'],
    ['30 9 * * 1-5', '2026-03-06T10:00:00Z', '2026-03-09T09:30:00.000Z'],
    ['0 12 1 JAN *', '2026-03-02T10:00:00Z', '2027-01-01T12:00:00.000Z'],
    ['5 4 * * 7', '2026-03-02T10:00:00Z', '2026-03-08T04:05:00.000Z'],
  ])('%s after %s is %s', (expr, now, expected) => {
    expect(nextCronRun(expr, at(now)).toISOString()).toBe(expected);
  });

  it('rejects malformed expressions', () => {
    expect(() => nextCronRun('0 0 * *', at('2026-01-01T00:00:00Z'))).toThrow(/five fields/);
    expect(() => nextCronRun('61 0 * * *', at('2026-01-01T00:00:00Z'))).toThrow(/outside/);
  });
});
