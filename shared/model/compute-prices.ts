import type { ExecutorPlan } from '../config/plan';
import { findDockerResourceClass, findMachineResourceClass, type CpuArchitecture } from './resource-classes';

/**
 * What Slipway attributes to a job in usage exports: the AWS list price (us-east-1, on-demand, USD, November
 * 2026 price pages) of the capacity its resource class runs on, per second. Docker classes run on Fargate
 * (per vCPU-hour and GB-hour); machine classes on the first instance type of their auto scaling group.
 * Self-hosted runners run on the customer's own machines and cost Slipway nothing.
 */
export const FARGATE_PRICES: Readonly<Record<CpuArchitecture, { vcpuHour: number; gbHour: number }>> = {
  x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
  arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
};

/** On-demand hourly prices of the instance types machine resource classes prefer. */
export const EC2_HOURLY_PRICES: Readonly<Record<string, number>> = {
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm6i.2xlarge': 0.384,
  'm6i.4xlarge': 0.768,
  'm7g.large': 0.0816,
  'm7g.xlarge': 0.1632,
  'm7g.2xlarge': 0.3264,
  'm7g.4xlarge': 0.6528,
};

/** USD per second of one task of a job with this executor (0 when Slipway does not pay for the capacity). */
export function pricePerSecond(executor: Pick<ExecutorPlan, 'type' | 'resourceClass'>): number {
  if (executor.type === 'docker') {
    const cls = findDockerResourceClass(executor.resourceClass);
    if (!cls) return 0;
    const p = FARGATE_PRICES[cls.architecture];
    return ((cls.cpu / 1024) * p.vcpuHour + (cls.memoryMiB / 1024) * p.gbHour) / 3600;
  }
  if (executor.type === 'machine') {
    const cls = findMachineResourceClass(executor.resourceClass);
    return cls ? (EC2_HOURLY_PRICES[cls.instanceTypes[0]] ?? 0) / 3600 : 0;
  }
  return 0;
}
