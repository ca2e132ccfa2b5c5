import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretsFile, secretsLoader } from './secrets';

const dir = mkdtempSync(join(tmpdir(), 'slipway-secrets-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readSecretsFile', () => {
  it('reads NAME=value lines, comments, export and quoted values over several lines', () => {
    const path = file('ok.env', '# deploy keys\nexport API_TOKEN=abc123\nPEM="-----BEGIN-----\nxyz\n-----END-----"\n\nEMPTY=\n');
    expect(readSecretsFile(path)).toEqual({ API_TOKEN: 'abc123', PEM: '-----BEGIN-----\nxyz\n-----END-----', EMPTY: '' });
  });

  it('names the file and line of a line that is not NAME=value', () => {
    const path = file('bad.env', 'A=1\nthis is not a variable\n');
    expect(() => readSecretsFile(path)).toThrow(`--secrets-from ${path}:2: expected NAME=value, got "this is not a variable".`);
  });

  it('refuses invalid names, unclosed quotes, empty files and missing files', () => {
    expect(() => readSecretsFile(file('name.env', '1ABC=x\n'))).toThrow(/name\.env:1: "1ABC" is not a valid variable name/);
    expect(() => readSecretsFile(file('quote.env', 'KEY="open\nnever closed\n'))).toThrow(
      /quote\.env:1: the value of KEY opens a " quote that is never closed/,
    );
    expect(() => readSecretsFile(file('empty.env', '# nothing\n'))).toThrow(/empty\.env: the file holds no variables/);
    expect(() => readSecretsFile(join(dir, 'missing.env'))).toThrow(/missing\.env: cannot read it \(ENOENT.*\)\. Give a dotenv file .* or a project slug/);
    expect(() => readSecretsFile(dir)).toThrow(/it is a folder, not a file/);
  });
});

describe('secretsLoader', () => {
  it('is absent without sources, and merges files in order (later ones win) without compiling the config', async () => {
    expect(secretsLoader([])).toBeUndefined();
    const load = secretsLoader([file('a.env', 'A=1\nB=2\n'), file('b.env', 'B=3\n')])!;
    const contextsNamed = jest.fn(async () => ['deploy']);
    expect(await load(contextsNamed)).toEqual({ env: { A: '1', B: '3' }, contexts: {} });
    expect(contextsNamed).not.toHaveBeenCalled();
  });

  it('checks files when the options are read, before anything runs', () => {
    expect(() => secretsLoader([join(dir, 'nope.env')])).toThrow(/nope\.env: cannot read it/);
  });

  it('asks the server for the project and the contexts the jobs name, with the API token', async () => {
    const calls: string[] = [];
    const server = jest.spyOn(globalThis, 'fetch').mockImplementation(async (url, init) => {
      calls.push(`${String(url)} ${(init?.headers as Record<string, string>)['Circle-Token']}`);
      return new Response(
        JSON.stringify({
          project_slug: 'gh/acme/app',
          environment: [{ name: 'A', value: 'x' }],
          contexts: [{ name: 'deploy', variables: [{ name: 'K', value: 'v' }] }],
        }),
      );
    });
    try {
      const load = secretsLoader(['github/acme/app'], { SLIPWAY_URL: 'http://slipway.test', SLIPWAY_TOKEN: 'tok' })!;
      expect(await load(async () => ['deploy', 'aws'])).toEqual({ env: { A: 'x' }, contexts: { deploy: { K: 'v' } } });
      expect(calls).toEqual(['http://slipway.test/api/v2/project/gh/acme/app/secrets?contexts=deploy%2Caws tok']);
    } finally {
      server.mockRestore();
    }
  });
});
