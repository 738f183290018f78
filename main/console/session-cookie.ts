import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'vm_session';

/**
 * The token a request presents: the session cookie (the browser console) or a bearer token
 * (scripts, the CLI). Which one is valid is decided by the dispatcher, not here.
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return request.cookies[SESSION_COOKIE] || undefined;
}

/** HttpOnly so scripts can't read it, SameSite=Strict so other sites can't ride it. */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}
