/** Realms a worker keeps (oldest dropped first); the server tracks the same window per worker, so it knows which to send again. */
export const REALMS_KEPT = 32;
