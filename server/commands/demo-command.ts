/** `vitrine demo` (`npm start`): three seeded sites and the hub, until SIGINT/SIGTERM. */
import { runDemo } from '../demo.ts';
import { closeOnSignals, createLogger } from '../site.ts';

export async function demoCommand(): Promise<void> {
  const demo = await runDemo();
  closeOnSignals([demo], createLogger({ name: 'demo', logLevel: 'info' }));
}
