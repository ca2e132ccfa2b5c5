import type { Job } from '../../model/entities';
import { machineDemand } from './machine-pool';

const job = (type: string, resourceClass: string, statuses: string[]): Job =>
  ({ plan: { executor: { type, resourceClass } }, tasks: statuses.map((status, index) => ({ index, status })) }) as unknown as Job;

describe('machineDemand (the target capacity of a machine pool)', () => {
  it.each([
    ['counts queued and running tasks of the class', [job('machine', 'medium', ['queued', 'running', 'success'])], 'medium', 2],
    ['counts every parallel task', [job('machine', 'medium', ['queued', 'queued', 'queued'])], 'medium', 3],
    ['ignores other classes', [job('machine', 'large', ['queued'])], 'medium', 0],
    ['ignores docker and runner jobs', [job('docker', 'medium', ['queued']), job('runner', 'ns/medium', ['queued'])], 'medium', 0],
    ['ignores finished tasks', [job('machine', 'medium', ['failed', 'success', 'canceled'])], 'medium', 0],
    ['adds up across jobs', [job('machine', 'medium', ['running']), job('machine', 'medium', ['queued'])], 'medium', 2],
  ])('%s', (_name, jobs, poolClass, expected) => {
    expect(machineDemand(jobs as Job[], poolClass as string)).toBe(expected);
  });
});
