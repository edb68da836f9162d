/** OpenAI error types vLLM uses, keyed by the HTTP status each one goes with. */
export const ERROR_TYPES = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  413: 'BadRequestError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
} as const;
export type ErrorStatus = keyof typeof ERROR_TYPES;

/** A request the simulator refuses; the server turns it into vLLM's JSON error body. */
export class SimulatorHttpError extends Error {
  override name = 'SimulatorHttpError';
  readonly status: ErrorStatus;
  readonly param: string | null;

  constructor(status: ErrorStatus, message: string, param: string | null = null) {
    super(message);
    this.status = status;
    this.param = param;
  }
}

export function isSimulatorHttpError(err: unknown): err is SimulatorHttpError {
  return err instanceof SimulatorHttpError;
}

/** vLLM 0.11's ErrorResponse: {"error": {message, type, param, code}}. */
export function errorBody(status: ErrorStatus, message: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type: ERROR_TYPES[status], param, code: status } });
}
