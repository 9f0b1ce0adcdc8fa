/**
 * Every expected failure, declared once: a stable code, the HTTP status it maps to and a
 * message a person understands. Domain code throws `AppError(code)`; `http/errors.ts`
 * turns it into a response. Anything else is a bug and becomes a bare 500.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request could not be understood.' },
  email_invalid: { status: 400, message: 'Please enter a valid email address.' },
  password_too_short: { status: 400, message: 'Your password must be at least 10 characters.' },
  password_too_long: { status: 400, message: 'Your password must be at most 256 characters.' },
  password_mismatch: { status: 400, message: 'The two passwords do not match.' },
  email_taken: {
    status: 409,
    message: 'This email cannot be used to create an account. Try signing in instead.',
  },
  credentials_invalid: { status: 401, message: 'The email or password is incorrect.' },
  sign_in_required: { status: 401, message: 'Please sign in to continue.' },
  csrf_invalid: {
    status: 403,
    message: 'This form has expired. Please reload the page and try again.',
  },
  not_found: { status: 404, message: 'We could not find that page or file.' },
  file_not_found: { status: 404, message: 'This file does not exist, or it is not yours.' },
  upload_not_found: { status: 404, message: 'This upload does not exist, or it is not yours.' },
  file_name_invalid: {
    status: 400,
    message:
      'This file name cannot be used: it is empty, too long or contains forbidden characters.',
  },
  upload_length_required: { status: 400, message: 'The size of the file must be given.' },
  file_too_large: { status: 413, message: 'This file is larger than the maximum allowed size.' },
  quota_exceeded: { status: 413, message: 'This file does not fit in your remaining storage.' },
  range_not_satisfiable: { status: 416, message: 'The requested part of the file does not exist.' },
  rate_limited: { status: 429, message: 'Too many attempts. Please wait a little and try again.' },
  server_busy: { status: 503, message: 'The server is busy. Please try again in a few seconds.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly status: number;

  constructor(readonly code: ErrorCode) {
    super(ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
}
