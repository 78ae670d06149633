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

export type CpuSample = Record<string, number>;

/**
 * Where CPU time goes during a load test: the named processes and PostgreSQL's, sampled before and after.
 * Only on Linux (/proc); elsewhere every figure reads 0.
 */
export function sampleCpu(processes: Record<string, number | undefined>): CpuSample {
  const sample: CpuSample = {};
  for (const [name, pid] of Object.entries(processes)) sample[name] = pid ? cpuSecondsOf(pid) : 0;
  // Connections come and go, so sum over the processes alive now; a backend that exited meanwhile is lost,
  // which the pooled connections of the API and worker make rare.
  sample.postgres = postgresPids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  return sample;
}

/** CPU milliseconds per request for each process between two samples. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): string {
  return Object.keys(after)
    .map(
      (name) =>
        `${name} ${(((after[name] - (before[name] ?? 0)) * 1000) / Math.max(requests, 1)).toFixed(2)} ms`,
    )
    .join(', ');
}
