import { PowertoolsJobMetrics } from './powertools-job-metrics';

describe('PowertoolsJobMetrics', () => {
  it('publishes each record at once in embedded metric format, per its own dimensions and in total', () => {
    const lines: string[] = [];
    // Powertools writes EMF lines to stdout through its own console (as in Lambda).
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true));
    try {
      const m = new PowertoolsJobMetrics();
      m.record('JobsFinished', 1, { status: 'failed' });
      m.record('QueueWaitMs', 250);
    } finally {
      spy.mockRestore();
    }
    const emf = lines.filter((l) => l.includes('CloudWatchMetrics')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(2);
    expect(emf[0]._aws.CloudWatchMetrics[0]).toEqual(
      expect.objectContaining({ Namespace: 'Slipway', Dimensions: [['service', 'status'], ['service']], Metrics: [{ Name: 'JobsFinished', Unit: 'Count' }] }),
    );
    expect(emf[0]).toEqual(expect.objectContaining({ service: 'slipway', status: 'failed', JobsFinished: 1 }));
    expect(emf[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(emf[1]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'QueueWaitMs', Unit: 'Milliseconds' }]);
    expect(emf[1].QueueWaitMs).toBe(250);
  });
});
