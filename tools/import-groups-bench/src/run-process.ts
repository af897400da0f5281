import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A finished child process and what it cost. */
export interface Timed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time, ms. */
  readonly wallMs: number;
  /** User + system CPU time of the child and its threads, ms; `NaN` where /proc is missing. */
  readonly cpuMs: number;
}

/**
 * Runs a command to its end and times it: wall clock, and CPU time read
 * from /proc (the machine is shared, so CPU time is the steadier figure).
 *
 * @example
 * const { wallMs, cpuMs } = runTimed(process.execPath, ['-e', '1'], { cwd: '/tmp' });
 */
export function runTimed(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Timed {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    wallMs,
    cpuMs: childrenCpuMs() - cpuBefore,
  };
}

/** CPU time of the children this process has waited for (cutime + cstime), ms. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), counted from 3 here; clock ticks of 10 ms (USER_HZ = 100).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}
