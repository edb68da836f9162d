// Pure: used by the sweep workflow (child failures) and its activities (adopted runs).

/**
 * "code: message" for a failure chain: a child failure wraps an activity failure that wraps the classified
 * ApplicationFailure (its type is the evalflow error code) that wraps the original error (the message).
 */
export function failureReason(err: unknown): string {
  let type: string | null = null;
  let message = err instanceof Error ? err.message : String(err);
  for (let current: unknown = err; current instanceof Error; current = current.cause) {
    const t = (current as { type?: unknown }).type;
    if (type === null && typeof t === 'string' && t !== '') type = t;
    if (current.message) message = current.message;
  }
  return type === null ? message : `${type}: ${message}`;
}
