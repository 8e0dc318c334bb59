#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64 (also in package.json's start and bench scripts, and as the workers' young generation in
// server/ingest/typescript-worker.ts): V8's default 16 MB semi-spaces make an ingest's commits, which parse megabytes
// of index entries that die right after they are applied, scavenge twice as often; 64 MB is 5-7% faster end to end.
// The CLI runs the TypeScript sources through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
