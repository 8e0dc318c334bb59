/** A request id on every response (X-Request-Id): the caller's when it looks safe to log, else a new one. */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';

const SAFE_ID = /^[\w\-.:]{1,128}$/;

export function requestId(req: Request, res: Response): void {
  const incoming = req.headers['x-request-id'] as string | undefined;
  const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
}
