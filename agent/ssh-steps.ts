import { hostname } from 'node:os';
import type { StepPlan } from '../shared/config/plan';
import type { JobSpec } from '../shared/model/job-spec';
import { shellJoin } from '../shared/model/shell-words';
import type { StepExecutor } from './executors/executor';
import type { StepLogStream } from './log-stream';
import { JobSshServer } from './ssh-server';
import type { StepOutcome } from './steps/context';
import type { Timers } from './timers';

const duration = (s: number) => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

const step = (name: string): StepPlan => ({ type: 'run', name, command: '', environment: {}, background: false, noOutputTimeoutSeconds: 7200, when: 'always' });

/**
 * Rerun with SSH, as CircleCI shows it: an "Enable SSH" step before the job's steps starts the SSH server and
 * says how to connect; a "Wait for SSH sessions" step after them keeps the job until it is idle. Session events
 * go to whichever of the two steps' output is open (those during the job's own steps wait for the second).
 */
export class SshSteps {
  readonly enableStep = step('Enable SSH');
  readonly waitStep = step('Wait for SSH sessions');
  private readonly server: JobSshServer;
  private log?: StepLogStream;
  private readonly pending: string[] = [];
  /**
   * Fargate: no inbound path; users get in with ECS Exec (`slipway ssh`), which this agent cannot see: heartbeat
   * replies say when a session is open ({@link sessionSeenElsewhere}).
   */
  private readonly ecsExec: boolean;
  private listening = false;

  constructor(
    private readonly ssh: NonNullable<JobSpec['ssh']>,
    env: Record<string, string>,
    cwd: string,
    executor: StepExecutor,
    private readonly job: JobSpec['job'],
    /** Reports a session to the control plane (audit log); failures are the caller's to swallow. */
    report?: (e: { event: 'opened' | 'closed' | 'refused'; login?: string; ip: string }) => void,
    /** The idle wait's timers (tests pass a fake clock). */
    timers?: Timers,
  ) {
    this.ecsExec = executor.name === 'container';
    this.server = new JobSshServer({
      sessionCommand: executor.sessionCommand?.bind(executor),
      onSession: report,
      authorizedKeys: ssh.authorizedKeys,
      env,
      cwd,
      idleMs: ssh.idleSeconds * 1000,
      maxMs: ssh.maxSeconds * 1000,
      onEvent: (m) => (this.log ? this.log.note(m) : this.pending.push(m)),
      timers,
    });
  }

  handles(s: { type: string }): s is StepPlan {
    return s === this.enableStep || s === this.waitStep;
  }

  async run(s: StepPlan, log: StepLogStream, signal: AbortSignal): Promise<StepOutcome> {
    this.log = log;
    try {
      return s === this.enableStep ? await this.enable(log) : await this.wait(log, signal);
    } finally {
      this.log = undefined;
    }
  }

  private async enable(log: StepLogStream): Promise<StepOutcome> {
    if (this.ecsExec) {
      log.note("You can now get a shell in this job's primary container with ECS Exec (users with write access and ecs:ExecuteCommand):");
      log.note(`    $ slipway ssh ${this.job.projectSlug} ${this.job.number}`);
      log.note(
        `After its steps, the job stays up until ${duration(this.ssh.idleSeconds)} after the last ECS Exec session closes, ${duration(this.ssh.maxSeconds)} at most.`,
      );
      return { status: 'success', exitCode: 0 };
    }
    const bind = this.ssh.bind ?? process.env.SLIPWAY_SSH_BIND ?? '0.0.0.0';
    const port = await this.server.listen(bind, this.ssh.port).catch((e: Error) => {
      log.note(`Error: the SSH server could not listen on ${bind}:${this.ssh.port ?? 'any port'} (${e.message}).`);
      return undefined;
    });
    if (port === undefined) return { status: 'failed', exitCode: null };
    this.listening = true;
    const host = this.ssh.host ?? process.env.SLIPWAY_SSH_HOST ?? hostname();
    const logins = [...new Set(this.ssh.authorizedKeys.map((k) => k.login))];
    if (this.ssh.connect) {
      // An EC2 machine: no inbound port; Session Manager carries the connection to this loopback listener.
      log.note(
        "You can now SSH into this machine through AWS Systems Manager Session Manager (no inbound port) if your SSH public key is registered with Slipway (users with write access) and your AWS identity may start sessions on it (the stack's SshUsersPolicy). With the AWS CLI and its Session Manager plugin:",
      );
      log.note(`    $ ${shellJoin(this.ssh.connect)}`);
      log.note(`or: slipway ssh ${this.job.projectSlug} ${this.job.number}`);
    } else {
      log.note('You can now SSH into this box if your SSH public key is registered with Slipway (users with write access):');
      log.note(`    $ ssh -p ${port} ${host}`);
    }
    log.note(
      logins.length
        ? `Keys registered by: ${logins.join(', ')}.`
        : 'No user with write access has registered an SSH key yet: add one under your user menu › SSH keys, then rerun.',
    );
    log.note(
      `After its steps, the job stays up until ${duration(this.ssh.idleSeconds)} after the last session closes, ${duration(this.ssh.maxSeconds)} at most.`,
    );
    return { status: 'success', exitCode: 0 };
  }

  private async wait(log: StepLogStream, signal: AbortSignal): Promise<StepOutcome> {
    for (const m of this.pending.splice(0)) log.note(m);
    if (!this.listening && !this.ecsExec) {
      log.note('No SSH server is running (see the "Enable SSH" step): ending the job.');
      return { status: 'success', exitCode: 0 };
    }
    log.note('Waiting for SSH sessions to end…');
    const why = await this.server.waitUntilIdle(signal);
    log.note(
      why === 'idle'
        ? 'No SSH session for the idle timeout: ending the job.'
        : why === 'max'
          ? 'The SSH time limit is reached: ending the job.'
          : 'The job was canceled.',
    );
    return { status: why === 'canceled' ? 'canceled' : 'success', exitCode: 0 };
  }

  /** The control plane saw an ECS Exec session into this task open: the idle wait starts over from now. */
  sessionSeenElsewhere(): void {
    this.server.noteActivity();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
