/** A failure caused by the caller: always a 4xx with a stable machine-readable code. */
export class ClientError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  /** Extra response headers (e.g. WWW-Authenticate on a 401). */
  readonly headers?: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = 'ClientError';
    this.status = status;
    this.code = code;
    this.details = details;
    if (headers) this.headers = headers;
  }
}

/** An optimistic-concurrency conflict: re-read and retry. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
