import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The only place the session cookie's flags live. Over HTTPS the `__Host-` prefix makes the
 * browser insist on Secure, Path=/ and no Domain, so no sibling host can plant or read it.
 * Plain `KhaznatiSession` exists only for development over http.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-KhaznatiSession' : 'KhaznatiSession';
}

export function readSessionCookie(request: FastifyRequest, secure: boolean): string | undefined {
  return request.cookies[sessionCookieName(secure)];
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
  secure: boolean,
): void {
  reply.setCookie(sessionCookieName(secure), token, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    expires: expiresAt,
  });
}

export function deleteSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.setCookie(sessionCookieName(secure), '', {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    maxAge: 0,
    expires: new Date(0),
  });
}

/**
 * Signing out on this device: the cookie goes, and the browser is told to drop what it kept
 * for the site (cached pages, other cookies, stored upload progress), so the next person
 * at a shared computer finds nothing.
 */
export function endBrowserSession(reply: FastifyReply, secure: boolean): void {
  deleteSessionCookie(reply, secure);
  reply.header('Clear-Site-Data', '"cache", "cookies", "storage"');
}
