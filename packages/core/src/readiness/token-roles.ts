/**
 * The application permissions granted to our app registration, read from the `roles` claim of
 * our own client-credentials access token (a JWT: header.payload.signature, base64url).
 *
 * No signature check, on purpose: this token came to us over TLS from the authority we asked,
 * and we only read our own grants from it to tell an operator what is missing; nothing is
 * authorised on the strength of it (Graph checks the token itself on every call). Never log
 * the token; only the role names leave this function.
 */
export function rolesFromAccessToken(accessToken: string): string[] {
  const payload = accessToken.split('.')[1];
  if (!payload) throw new Error('the access token is not a JWT (no payload part)');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new Error('the access token payload is not base64url JSON');
  }
  const roles = (claims as { roles?: unknown }).roles;
  if (roles === undefined) return [];
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) throw new Error('the access token roles claim is not a list of names');
  return roles as string[];
}
