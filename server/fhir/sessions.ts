/** Running one interaction's writes in a WriteSession: the transaction's when inside one, else a fresh one. */
import { StoreConflictError } from '../store/types.ts';
import type { FhirContext } from './context.ts';
import { conflict } from './outcomes.ts';
import { WriteSession } from './write-session.ts';

const CONFLICT_RETRIES = 3;

/**
 * Runs `work` in the caller's transaction session (committed later by the transaction) or in its own session,
 * committed here. A version race with a concurrent writer re-runs the work on the fresh state, since a plain
 * update means "this is the new content"; a race that If-Match guards is detected by the work itself.
 */
export async function withWriteSession<T>(ctx: FhirContext, work: (session: WriteSession) => Promise<T>): Promise<T> {
  if (ctx.session) return work(ctx.session);
  for (let attempt = 1; ; attempt++) {
    const session = new WriteSession(ctx.store, ctx.pipeline);
    const result = await work(session);
    try {
      await session.commit();
      return result;
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      if (attempt >= CONFLICT_RETRIES) throw conflict(`Concurrent update of ${err.type}/${err.id}; try again`);
    }
  }
}

/** A session for reading: the transaction's (so entries see earlier entries) or a read-only one over the store. */
export function readSession(ctx: FhirContext): WriteSession {
  return ctx.session ?? new WriteSession(ctx.store, ctx.pipeline);
}
