import { JobName, QUEUE_OF_JOB, QueueName } from '@registry/jobs';

export interface ProcessorDescription {
  processor: string;
  queue: string;
  jobNames: string[];
}

/**
 * Every job name must have exactly one handler, on the queue the job is sent to.
 * Returns the problems found; an empty list means the worker can start.
 */
export function findJobHandlerProblems(processors: ProcessorDescription[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string[]>();
  for (const { processor, queue, jobNames } of processors) {
    for (const name of jobNames) {
      owners.set(name, [...(owners.get(name) ?? []), processor]);
      const expectedQueue: string | undefined = (QUEUE_OF_JOB as Record<string, QueueName | undefined>)[name];
      if (!expectedQueue) problems.push(`${processor} handles "${name}", which is not a known job name`);
      else if (expectedQueue !== queue)
        problems.push(
          `${processor} handles "${name}" on queue "${queue}", but that job is sent to "${expectedQueue}"`,
        );
    }
  }
  for (const name of Object.values(JobName)) {
    const handlers = owners.get(name) ?? [];
    if (handlers.length === 0) problems.push(`job "${name}" has no handler`);
    if (handlers.length > 1)
      problems.push(`job "${name}" has ${handlers.length} handlers: ${handlers.join(', ')}`);
  }
  return problems;
}
