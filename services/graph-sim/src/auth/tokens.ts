import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { AppDefinition } from '../tenant/types';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

export interface AccessClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  app_displayname: string;
  idtyp: 'app';
  oid: string;
  sub: string;
  roles: string[];
  tid: string;
  uti: string;
  ver: '1.0';
}

export type Verified = { ok: true; claims: AccessClaims } | { ok: false; message: string };

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Issues and checks real RS256 JWTs with a key made at start (so a restart invalidates old tokens). */
export class TokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid = randomUUID().replace(/-/g, '');
  /** Verified tokens, so a busy client does not pay an RSA verification per request. */
  private readonly cache = new Map<string, AccessClaims>();

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  issue(app: AppDefinition, tenantId: string, nowMs: number, lifetimeSeconds: number): { token: string; claims: AccessClaims } {
    const iat = Math.floor(nowMs / 1000);
    const claims: AccessClaims = {
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat,
      nbf: iat,
      exp: iat + lifetimeSeconds,
      appid: app.appId,
      app_displayname: app.displayName,
      idtyp: 'app',
      oid: app.servicePrincipalId,
      sub: app.servicePrincipalId,
      roles: [...app.roles],
      tid: tenantId,
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    };
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey).toString('base64url');
    return { token: `${header}.${payload}.${signature}`, claims };
  }

  /** Messages follow Graph's InvalidAuthenticationToken answers. */
  verify(token: string, tenantId: string, nowMs: number): Verified {
    let claims = this.cache.get(token);
    if (!claims) {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
      const [h, p, s] = parts as [string, string, string];
      let valid = false;
      try {
        valid = verify('sha256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'));
        if (valid) claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as AccessClaims;
      } catch {
        valid = false;
      }
      if (!valid || !claims) return { ok: false, message: 'Access token validation failure. Invalid signature.' };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims.aud !== GRAPH_AUDIENCE) return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    if (claims.tid !== tenantId) return { ok: false, message: 'Access token validation failure. Invalid issuer.' };
    if (claims.exp * 1000 <= nowMs) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    return { ok: true, claims };
  }

  jwks(): { keys: Array<Record<string, unknown>> } {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, n: jwk.n, e: jwk.e }] };
  }
}
