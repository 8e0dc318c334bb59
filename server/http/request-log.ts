/** One structured log line per request, written when the response has been sent. */
import type { Logger } from 'pino';
import type { RequestStep } from './request-steps.ts';

export function requestLog(logger: Logger): RequestStep {
  return (req, res) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        { reqId: res.locals.requestId, method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
  };
}
