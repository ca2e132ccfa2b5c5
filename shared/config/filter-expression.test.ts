import { evaluateFilterExpression, FilterExpressionError } from './filter-expression';

const values = { 'pipeline.git.branch': 'release/1.2', 'pipeline.number': 42, 'pipeline.trigger_source': 'api', 'pipeline.parameters.flag': true };

describe("evaluateFilterExpression (the operators of CircleCI's expression docs)", () => {
  it.each([
    ['pipeline.git.branch == "release/1.2"', true],
    ['pipeline.git.branch != "main"', true],
    ['pipeline.git.branch starts-with "release/"', true],
    ['pipeline.git.branch starts-with "main"', false],
    ['pipeline.git.branch matches /^release\\/.*/', true],
    ['pipeline.git.branch matches /release/', false],
    ['pipeline.git.branch =~ "release/.*"', true],
    ['pipeline.number >= 42', true],
    ['pipeline.number > 42', false],
    ['pipeline.number <= 41', false],
    ['pipeline.number < 100', true],
    ['not pipeline.parameters.flag and pipeline.number > 1', false],
    ['not (pipeline.parameters.flag and pipeline.number > 100)', true],
    ['pipeline.git.branch == "main" or pipeline.trigger_source starts-with "ap"', true],
  ])('%s → %s', (expr, expected) => {
    expect(evaluateFilterExpression(expr, values)).toBe(expected);
  });

  it.each([
    ['pipeline.git.branch > 3', '`>` compares numbers; "release/1.2" is not one.'],
    ['pipeline.git.branch matches /(/', 'Invalid regular expression "(" in filter expression.'],
    ['pipeline.git.branch starts-with', 'Filter expression ends too early.'],
  ])('rejects %s', (expr, message) => {
    expect(() => evaluateFilterExpression(expr, values)).toThrow(new FilterExpressionError(message));
  });
});
