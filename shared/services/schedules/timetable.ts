import type { Timetable } from '../../model/entities';

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const HOUR_MS = 3_600_000;
/** How far ahead a next run is searched (a timetable naming only 29 February fires within four years). */
const SEARCH_HOURS = 4 * 366 * 24 + 24;

function hourMatches(tt: Timetable, d: Date): boolean {
  if (!tt.hoursOfDay.includes(d.getUTCHours())) return false;
  if (tt.months?.length && !tt.months.includes(MONTHS[d.getUTCMonth()])) return false;
  if (tt.daysOfMonth?.length) return tt.daysOfMonth.includes(d.getUTCDate());
  if (tt.daysOfWeek?.length) return tt.daysOfWeek.includes(DAYS[d.getUTCDay()]);
  return true;
}

/** Minute offsets of the `perHour` windows of an hour, evenly spaced from minute 0. */
function windowStarts(perHour: number): number[] {
  return Array.from({ length: perHour }, (_, k) => Math.floor((k * 60) / perHour));
}

/**
 * The start of the next window of a timetable (UTC). With `includeCurrent`, the window that contains `now`
 * counts (a schedule created during one of its windows fires in it); otherwise only windows starting after
 * `now` do (the next slot after a firing, skipping any missed while nothing ran).
 */
export function nextTimetableRun(tt: Timetable, now: Date, includeCurrent: boolean): Date {
  const starts = windowStarts(tt.perHour);
  const firstHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  for (let h = 0; h < SEARCH_HOURS; h++) {
    const hour = new Date(firstHour + h * HOUR_MS);
    if (!hourMatches(tt, hour)) continue;
    for (let k = 0; k < starts.length; k++) {
      const start = hour.getTime() + starts[k] * 60_000;
      const end = hour.getTime() + (k + 1 < starts.length ? starts[k + 1] : 60) * 60_000;
      if (start > now.getTime() || (includeCurrent && end > now.getTime())) return new Date(start);
    }
  }
  throw new Error('This timetable never fires: check its hours, days and months.');
}

/** Validates a timetable as CircleCI does; returns the problem or `undefined`. */
export function timetableProblem(tt: Timetable): string | undefined {
  if (!Number.isInteger(tt.perHour) || tt.perHour < 1 || tt.perHour > 60) return 'per-hour must be an integer between 1 and 60';
  if (!tt.hoursOfDay.length || tt.hoursOfDay.some((h) => !Number.isInteger(h) || h < 0 || h > 23)) return 'hours-of-day must list hours between 0 and 23';
  if (tt.daysOfWeek?.length && tt.daysOfMonth?.length) return 'days-of-week and days-of-month are mutually exclusive';
  if (!tt.daysOfWeek?.length && !tt.daysOfMonth?.length) return 'give days-of-week or days-of-month';
  if (tt.daysOfWeek?.some((d) => !DAYS.includes(d))) return `days-of-week must be among ${DAYS.join(', ')}`;
  if (tt.daysOfMonth?.some((d) => !Number.isInteger(d) || d < 1 || d > 31)) return 'days-of-month must list days between 1 and 31';
  if (tt.months?.some((m) => !MONTHS.includes(m))) return `months must be among ${MONTHS.join(', ')}`;
  try {
    nextTimetableRun(tt, new Date(Date.UTC(2024, 0, 1)), true);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** One field of a cron expression as the set of values it allows. */
function cronField(src: string, min: number, max: number, names: readonly string[] = []): Set<number> {
  const out = new Set<number>();
  const value = (v: string) => {
    const i = names.indexOf(v.toUpperCase());
    const n = i >= 0 ? i + min : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`"${v}" is outside ${min}-${max}`);
    return n;
  };
  for (const part of src.split(',')) {
    const [range, stepSrc] = part.split('/');
    const step = stepSrc === undefined ? 1 : Number(stepSrc);
    if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step in "${part}"`);
    let [lo, hi] = [min, max];
    if (range !== '*') {
      const [a, b] = range.split('-');
      lo = value(a);
      hi = b === undefined ? (stepSrc === undefined ? lo : max) : value(b);
    }
    for (let n = lo; n <= hi; n += step) out.add(n);
  }
  return out;
}

/** The first minute after `now` that a five-field cron expression (UTC) matches. */
export function nextCronRun(expression: string, now: Date): Date {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`Cron expression "${expression}" must have five fields: minute hour day-of-month month day-of-week.`);
  const [minute, hour, dom, month, dow] = [
    cronField(fields[0], 0, 59),
    cronField(fields[1], 0, 23),
    cronField(fields[2], 1, 31),
    cronField(fields[3], 1, 12, MONTHS),
    cronField(fields[4].replace(/\b7\b/g, '0'), 0, 6, DAYS),
  ];
  const domAny = fields[2] === '*';
  const dowAny = fields[4] === '*';
  let t = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  for (let hours = 0; hours < SEARCH_HOURS;) {
    const d = new Date(t);
    const dayOk =
      domAny && dowAny ? true : domAny ? dow.has(d.getUTCDay()) : dowAny ? dom.has(d.getUTCDate()) : dom.has(d.getUTCDate()) || dow.has(d.getUTCDay());
    if (!month.has(d.getUTCMonth() + 1) || !dayOk || !hour.has(d.getUTCHours())) {
      t = (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;
      hours++;
      continue;
    }
    if (minute.has(d.getUTCMinutes())) return d;
    t += 60_000;
  }
  throw new Error(`Cron expression "${expression}" never matches.`);
}
