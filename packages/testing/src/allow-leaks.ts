/**
 * The one way out of the leak gate: a test that leaks on purpose (to show that a leak is detected)
 * says so, with the reason, and the gate skips that one test. Nothing else may leak.
 */
let reason: string | null = null;

/** Let the current test end with leaked pins/resources; `why` says what it demonstrates. */
export function allowLeaks(why: string): void {
  if (!why) throw new Error('allowLeaks(why): say why this test may leak');
  reason = why;
}

/** The allowance of the test that just ended (null: none), cleared for the next test. */
export function takeLeakAllowance(): string | null {
  const r = reason;
  reason = null;
  return r;
}
