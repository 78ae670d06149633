import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Role } from '@registry/domain';
import { AuditedChange, AuditRepository, Transactions } from '@registry/persistence';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import type { Actor } from '../auth/actor';

/**
 * Every query a sponsor makes (a GET that passed the guard) is audited before it runs: who (the actor), when
 * (the row's time) and what was asked (route, path parameters, query string). If the row cannot be written
 * the query fails, so no answer leaves unrecorded. Sponsors' changes are audited by the services themselves.
 */
@Injectable()
export class SponsorQueryAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly transactions: Transactions,
    private readonly audit: AuditRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { actor?: Actor }>();
    if (request.method !== 'GET' || request.actor?.role !== Role.Sponsor) return next.handle();
    return from(this.record(request)).pipe(switchMap(() => next.handle()));
  }

  private async record(request: Request): Promise<void> {
    await this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'sponsor.query',
        entityType: 'api_query',
        entityId: sponsorQueryOf(request),
        changes: askedFor(request),
      }),
    );
  }
}

/** The route as declared (`GET /api/v1/trials/:id`), so that one kind of query has one entity id. */
function sponsorQueryOf(request: Request): string {
  const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
  return `${request.method} ${route}`;
}

/** The values asked for, as audited "changes" with no old value (a read changes nothing). */
function askedFor(request: Request): AuditedChange[] {
  const asked: AuditedChange[] = [];
  if (Object.keys(request.params ?? {}).length > 0)
    asked.push({ field: 'params', old: null, new: request.params });
  if (Object.keys(request.query ?? {}).length > 0)
    asked.push({ field: 'query', old: null, new: request.query });
  return asked;
}
