// Playwright Test's global setup: one stack for the whole run, torn down when the run ends.
import { publishStack, startStack } from './support/stack.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const { info, stop } = await startStack();
  // Workers inherit the runner's environment.
  publishStack(info);
  return stop;
}
