/** An HTTP answer as the test servers return it; in a file of its own so that process helpers (also compiled into the benchmark) need nothing else of test-server.ts. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}
