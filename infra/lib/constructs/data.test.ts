import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../slipway-stack';
import { Data, type DataProps } from './data';

const projections = (props: Partial<DataProps>) => {
  const stack = new Stack(new App(), 'S');
  new Data(stack, 'Data', { githubAppSecretName: 'slipway/github-app', corsOrigins: [], ...props });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  return (table.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: { ProjectionType: string } }[]).map((i) => [
    i.IndexName,
    i.Projection.ProjectionType,
  ]);
};

describe('Data: the table indexes projection', () => {
  it('projects keys only by default', () => {
    expect(projections({})).toEqual([
      ['gsi1', 'KEYS_ONLY'],
      ['gsi2', 'KEYS_ONLY'],
    ]);
  });

  it('keeps all attributes for a deployment created before keys-only indexes (tableIndexProjection=all)', () => {
    expect(projections({ indexProjection: 'all' })).toEqual([
      ['gsi1', 'ALL'],
      ['gsi2', 'ALL'],
    ]);
    expect(propsFromContext(new App({ context: { tableIndexProjection: 'all' } }).node).tableIndexProjection).toBe('all');
  });

  it('refuses an unknown projection, naming the values it takes', () => {
    expect(() => propsFromContext(new App({ context: { tableIndexProjection: 'KEYS' } }).node)).toThrow(/tableIndexProjection must be "keys-only" or "all"/);
  });
});
