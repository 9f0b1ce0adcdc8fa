import csrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-KhaznatiCsrf' : 'KhaznatiCsrf';
}

/** Tokens are bound to the session; before sign-in, to the anonymous visitor. */
function csrfUserInfo(request: FastifyRequest): string {
  return request.session?.id ?? 'anonymous';
}

/**
 * Synchronizer tokens: the secret lives in a signed, HttpOnly cookie and each token is bound
 * to the session it was issued for, so a token from before sign-in fails after it.
 */
export async function registerCsrf(app: FastifyInstance, secure: boolean, secretKey: string) {
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: csrfCookieName(secure),
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure },
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: secretKey },
  });

  const tokens = new WeakMap<FastifyReply, string>();
  app.decorateReply('csrfToken', function csrfToken(this: FastifyReply) {
    let token = tokens.get(this);
    if (!token) {
      token = this.generateCsrf({ userInfo: csrfUserInfo(this.request) });
      tokens.set(this, token);
    }
    return token;
  });
}

/** After sign-in or sign-out the old secret is dropped; the next page gets a new one. */
export function renewCsrfSecret(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(csrfCookieName(secure), {
    path: '/',
    secure,
    httpOnly: true,
    sameSite: 'strict',
  });
}
