import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux everywhere in practice). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Every PostgreSQL server process on this machine (the benchmark's server is local). */
function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
}

/** CPU seconds so far per named process, and per PostgreSQL server process id. */
export interface CpuSample {
  named: Record<string, number>;
  postgres: Map<number, number>;
}

/**
 * Where CPU time goes during a load test: the named processes and PostgreSQL's, sampled before and after.
 * Only on Linux (/proc); elsewhere every figure reads 0.
 */
export function sampleCpu(processes: Record<string, number | undefined>): CpuSample {
  const named: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) named[name] = pid ? cpuSecondsOf(pid) : 0;
  return { named, postgres: new Map(postgresPids().map((pid) => [pid, cpuSecondsOf(pid)])) };
}

/**
 * CPU milliseconds per request for each process between two samples. PostgreSQL backends are matched by
 * process id: one started meanwhile counts from zero; one that exited meanwhile is lost, which the pooled
 * connections of the API and worker make rare.
 */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): string {
  const perRequest = (seconds: number) => ((seconds * 1000) / Math.max(requests, 1)).toFixed(2);
  const postgres = postgresCpuSeconds(before, after);
  return [
    ...Object.entries(after.named).map(
      ([name, seconds]) => `${name} ${perRequest(seconds - (before.named[name] ?? 0))} ms`,
    ),
    `postgres ${perRequest(postgres)} ms`,
  ].join(', ');
}

/** CPU seconds all PostgreSQL server processes used between two samples (matched as in cpuPerRequest). */
export function postgresCpuSeconds(before: CpuSample, after: CpuSample): number {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  return postgres;
}
