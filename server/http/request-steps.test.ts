import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { runSteps } from './request-steps.ts';

/** A response that counts as answered once `answer` ran, as a real one does after `end`. */
function fakeResponse() {
  return { headersSent: false, answer() { this.headersSent = true; } };
}

describe('request steps', () => {
  for (const kind of ['sync', 'async'] as const) {
    it(`a step that answers (${kind}) ends the run: no later step, and no next handler`, async () => {
      const res = fakeResponse();
      const ran: string[] = [];
      const answering = kind === 'sync' ? () => void res.answer() : async () => void res.answer();
      const nexts: unknown[] = [];
      await runSteps(() => void ran.push('first'), answering, () => void ran.push('after'))({} as Request, res as unknown as Response, (err?: unknown) => void nexts.push(err ?? 'next'));
      assert.deepEqual(ran, ['first']);
      assert.deepEqual(nexts, []);
    });
  }

  it('runs every step in order, then the next handler; a refusal goes to the error handler', async () => {
    const ran: string[] = [];
    const nexts: unknown[] = [];
    const next = (err?: unknown) => void nexts.push(err ?? 'next');
    const res = fakeResponse() as unknown as Response;
    await runSteps(() => void ran.push('a'), async () => void ran.push('b'), () => void ran.push('c'))({} as Request, res, next);
    assert.deepEqual(ran, ['a', 'b', 'c']);
    const refusal = new Error('refused');
    await runSteps(async () => { throw refusal; }, () => void ran.push('never'))({} as Request, res, next);
    await runSteps(() => { throw refusal; })({} as Request, res, next);
    assert.deepEqual(nexts, ['next', refusal, refusal]);
    assert.ok(!ran.includes('never'));
  });
});
