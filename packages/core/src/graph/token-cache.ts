import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';

/** Ask for a new token this long before the current one expires (tokens last about an hour). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Keeps the Graph access token in the adapter. The SDK's authentication handler asks the
 * credential for a token on every request; @azure/identity answers from MSAL's cache, but that
 * lookup showed up at 4–6 % of a busy worker's CPU (bench/HISTORY.md, first session). One scope set is ever
 * asked for here, so one token is kept, until `margin` before its expiry (or the
 * `refreshAfterTimestamp` the authority suggested, if earlier). Concurrent callers share one
 * request; a failed request is not kept, so the next caller asks again.
 */
export class CachedTokenCredential implements TokenCredential {
  #token: AccessToken | null = null;
  #pending: Promise<AccessToken | null> | null = null;

  constructor(
    private readonly inner: TokenCredential,
    private readonly now: () => number = Date.now,
    private readonly marginMs = TOKEN_REFRESH_MARGIN_MS,
  ) {}

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const t = this.#token;
    if (t && this.now() < refreshAt(t, this.marginMs)) return Promise.resolve(t);
    this.#pending ??= this.inner.getToken(scopes, options).then(
      (token) => {
        this.#token = token;
        this.#pending = null;
        return token;
      },
      (err: unknown) => {
        this.#pending = null;
        throw err;
      },
    );
    return this.#pending;
  }
}

function refreshAt(t: AccessToken, marginMs: number): number {
  const beforeExpiry = t.expiresOnTimestamp - marginMs;
  return t.refreshAfterTimestamp !== undefined ? Math.min(beforeExpiry, t.refreshAfterTimestamp) : beforeExpiry;
}

/**
 * The Graph client's source of bearer tokens. Replaces the SDK's
 * TokenCredentialAuthenticationProvider, which builds an Error (stack trace included) on every
 * request just in case, for nothing when a token comes back.
 */
export class CredentialTokenProvider implements AuthenticationProvider {
  constructor(
    private readonly credential: TokenCredential,
    private readonly scopes: string[],
  ) {}

  async getAccessToken(): Promise<string> {
    const token = await this.credential.getToken(this.scopes);
    if (!token) throw new Error('the authority returned no access token');
    return token.token;
  }
}
