import { en, type MessageKey } from './web/i18n/en.js';

/**
 * Every expected failure, declared once: a stable code and the HTTP status it maps to. The
 * message a person reads is the translation `error.<code>`, so it follows their language.
 * Domain code throws `AppError(code)`; `http/errors.tsx` turns it into a response. Anything
 * else is a bug and becomes a bare 500.
 */
export const ERRORS = {
  bad_request: 400,
  unsupported_media_type: 415,
  method_override_refused: 400,
  cross_site_refused: 403,
  email_invalid: 400,
  password_too_short: 400,
  password_too_long: 400,
  password_too_common: 400,
  password_mismatch: 400,
  current_password_invalid: 400,
  credentials_invalid: 401,
  sign_in_required: 401,
  csrf_invalid: 403,
  not_found: 404,
  file_not_found: 404,
  upload_not_found: 404,
  session_not_found: 404,
  file_name_invalid: 400,
  folder_not_found: 404,
  folder_name_invalid: 400,
  folder_move_invalid: 409,
  selection_empty: 400,
  selection_too_large: 400,
  upload_length_required: 400,
  request_too_large: 413,
  file_too_large: 413,
  form_upload_too_large: 413,
  form_upload_missing: 400,
  quota_exceeded: 413,
  range_not_satisfiable: 416,
  upload_damaged: 410,
  file_damaged: 500,
  storage_key_missing: 503,
  rate_limited: 429,
  account_locked: 429,
  server_busy: 503,
  database_unavailable: 503,
  storage_unavailable: 503,
  storage_full: 507,
  internal_error: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERRORS;

/** The translation key of a code's message; a code without one will not compile. */
export function errorMessageKey(code: ErrorCode): MessageKey {
  return `error.${code}`;
}

export class AppError extends Error {
  readonly status: number;
  /** Sent as Retry-After: how long to wait before the same request can succeed. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    options: { retryAfterSeconds?: number } = {},
  ) {
    // English here: it is what logs and protocol bodies (tus) carry.
    super(en[errorMessageKey(code)]);
    this.status = ERRORS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
