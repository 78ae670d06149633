import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { ValidationFailedException } from '../errors/validation-failed.exception';

/** True when the handler has a @Body() parameter (Nest keys each parameter's metadata as `<type>:<index>`). */
export function handlerTakesBody(controllerClass: object, handlerName: string): boolean {
  const parameters = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controllerClass, handlerName) ?? {}) as Record<
    string,
    unknown
  >;
  return Object.keys(parameters).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

/** Whether the request carried any body at all; `{}` counts as none (clients often send it with every POST). */
function carriesBody(request: Request): boolean {
  const declared =
    request.headers['transfer-encoding'] !== undefined ||
    (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');
  if (!declared) return false;
  const body: unknown = request.body;
  const emptyObject =
    typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
  return !emptyObject;
}

/**
 * Refuses a body sent to a route that takes none (e.g. acknowledging a flag), as an unknown property is refused:
 * otherwise a client that believes it sent a reason or a date would never learn that it was ignored.
 * Runs after the guards, so an unauthenticated or forbidden caller still gets 401 or 403 first.
 */
@Injectable()
export class BodilessRouteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      if (!handlerTakesBody(context.getClass(), context.getHandler().name) && carriesBody(request)) {
        throw new ValidationFailedException([
          { field: 'body', constraint: 'isEmpty', message: 'this route takes no request body; send none' },
        ]);
      }
    }
    return next.handle();
  }
}
