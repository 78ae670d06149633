import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from '../logging/request-context';

export const REQUEST_ID_HEADER = 'X-Request-Id';
// A caller may pass its own id (a gateway's trace id); anything else is replaced so logs cannot be forged.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id, returns it as X-Request-Id and makes it visible to every log line of the request. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.header(REQUEST_ID_HEADER);
  const requestId = offered && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, requestId);
  requestContext.run({ requestId }, () => next());
}
