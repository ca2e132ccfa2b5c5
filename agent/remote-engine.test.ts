import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteEngine, engineConfig, remoteDockerInContainer, sweepRemoteEngines } from './remote-engine';

/** A pid that no process has any more (a child that already exited). */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;

describe('RemoteEngine slots (the job-own engines of setup_remote_docker)', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'slipway-engines-test-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives each job its own slot: folders, socket, subnet and bridge of its own', () => {
    const a = RemoteEngine.claim(root);
    const b = RemoteEngine.claim(root);
    expect([a.slot, b.slot]).toEqual([0, 1]);
    expect(a.dockerHost).toBe(`unix://${join(root, '0', 'sock', 'docker.sock')}`);
    expect(readFileSync(join(a.dir, 'owner'), 'utf8')).toBe(String(process.pid));
    const conf = readFileSync(join(b.dir, 'containers.conf'), 'utf8');
    expect(conf).toContain(`network_config_dir = "${join(b.dir, 'networks')}"`);
    expect(conf).toContain('default_subnet = "10.213.1.0/24"');
    expect(conf).toContain('default_network = "slipway-rd1"');
    expect(conf).toContain('runtime = "runc"');
    const network = JSON.parse(readFileSync(join(b.dir, 'networks', 'slipway-rd1.json'), 'utf8'));
    expect(network).toMatchObject({ name: 'slipway-rd1', network_interface: 'slipway-rd1', subnets: [{ subnet: '10.213.1.0/24', gateway: '10.213.1.1' }] });
    expect(network.id).toMatch(/^[0-9a-f]{64}$/);
    // A unix socket path holds at most 107 bytes.
    expect(b.dockerHost.length - 'unix://'.length).toBeLessThan(108);
  });

  it('reclaims and sweeps the slots of owners that are gone, never those of live ones', () => {
    const live = RemoteEngine.claim(root);
    const dead = RemoteEngine.claim(root);
    writeFileSync(join(dead.dir, 'owner'), deadPid());
    writeFileSync(join(dead.dir, 'root', 'leftover'), 'x');
    expect(sweepRemoteEngines(root)).toBe(1);
    expect(existsSync(dead.dir)).toBe(false);
    expect(existsSync(live.dir)).toBe(true);
    writeFileSync(join(live.dir, 'owner'), deadPid());
    expect(RemoteEngine.claim(root).slot).toBe(0);
  });

  it('mounts the socket folder of the job-own engine into the primary, else the host engine socket', () => {
    const engine = new RemoteEngine(3, '/tmp/e/3');
    expect(remoteDockerInContainer(engine, '/var/run/docker.sock')).toEqual({
      mounts: ['/tmp/e/3/sock:/var/run/slipway-remote-docker'],
      dockerHost: 'unix:///var/run/slipway-remote-docker/docker.sock',
    });
    expect(remoteDockerInContainer(undefined, '/run/podman/podman.sock')).toEqual({
      mounts: ['/run/podman/podman.sock:/var/run/docker.sock'],
      dockerHost: 'unix:///var/run/docker.sock',
    });
    expect(remoteDockerInContainer(undefined, undefined)).toBeUndefined();
    expect(engineConfig('/x', 7).containersConf).toContain('tmp_dir = "/x/tmp"');
  });
});
