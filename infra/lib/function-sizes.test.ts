import { App, Stack } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { readFileSync } from 'node:fs';
import { ensureIamTemplate } from '../../test/support/iam-template';
import { priceBreakdownUsd, US_EAST_1_PRICES } from '../../shared/adapters/aws/request-pricing';
import { RequestCounter } from '../../shared/adapters/aws/request-counter';
import { functionSizesFromTemplate } from './function-sizes';

function synthesized(fns: { name: string; memorySize?: number; architecture?: Architecture }[]) {
  const app = new App();
  const stack = new Stack(app, 'S');
  for (const f of fns) {
    new LambdaFn(stack, f.name, {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
      memorySize: f.memorySize,
      architecture: f.architecture,
      environment: { POWERTOOLS_SERVICE_NAME: `slipway-${f.name}` },
    });
  }
  return app.synth().getStackByName('S').template;
}

describe('function sizes read from a synthesized template', () => {
  it("reads each function's memory and architecture by its name, with CloudFormation's defaults when absent", () => {
    const template = synthesized([
      { name: 'api', memorySize: 2048, architecture: Architecture.ARM_64 },
      { name: 'cron', architecture: Architecture.ARM_64 },
      { name: 'notifications' },
    ]);
    expect(functionSizesFromTemplate(template)).toEqual({
      api: { memoryMb: 2048, architecture: 'arm64' },
      cron: { memoryMb: 128, architecture: 'arm64' },
      notifications: { memoryMb: 128, architecture: 'x86_64' },
    });
  });

  it("prices measured handler time at each function's memory from the template, and refuses an x86 function", () => {
    const sizes = functionSizesFromTemplate(synthesized([{ name: 'api', memorySize: 2048, architecture: Architecture.ARM_64 }, { name: 'notifications' }]));
    const counter = new RequestCounter();
    counter.recordInvocation('api', 999.2);
    const lambda = priceBreakdownUsd(counter.snapshot(), sizes).Lambda;
    expect(lambda).toBeCloseTo(US_EAST_1_PRICES.lambdaRequest + 1 * 2 * US_EAST_1_PRICES.lambdaArmGbSecond, 12);
    counter.recordInvocation('notifications', 1);
    expect(() => priceBreakdownUsd(counter.snapshot(), sizes)).toThrow(/"notifications" is x86_64/);
  });

  it('gives every function of the Slipway stack an Arm size, so the bench can price each one', () => {
    const sizes = functionSizesFromTemplate(JSON.parse(readFileSync(ensureIamTemplate(), 'utf8')));
    expect(Object.keys(sizes).sort()).toEqual(['api', 'conductor', 'cron', 'dispatcher', 'notifications', 'pipelines', 'webhooks']);
    for (const size of Object.values(sizes)) {
      expect(size.architecture).toBe('arm64');
      expect(size.memoryMb).toBeGreaterThanOrEqual(128);
    }
  });
});
