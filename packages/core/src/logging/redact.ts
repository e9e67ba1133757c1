/**
 * pino `redact` paths for every place a secret could ride in a log line. Both services use
 * this list; the secret-hygiene test checks the result, not the list.
 */
export const REDACT_PATHS = [
  // HTTP: credentials in headers, both as the request logs them and as errors carry them.
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["webhook-signature"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  'authorization',
  'Authorization',
  // The passcode, under every name Graph and hirepass give it.
  'passcode',
  '*.passcode',
  'temporaryAccessPass',
  '*.temporaryAccessPass',
  '*.*.temporaryAccessPass',
  'sealed',
  '*.sealed',
  // Reveal tokens and their nonce (the hash is not secret: it is the Redis key).
  'token',
  '*.token',
  'revealUrl',
  '*.revealUrl',
  'nonce',
  '*.nonce',
  // Graph access tokens.
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  // Configuration secrets, should a config object or part of it ever be logged.
  'clientSecret',
  '*.clientSecret',
  '*.*.clientSecret',
  'client_secret',
  '*.client_secret',
  'secret',
  '*.secret',
  'opsToken',
  '*.opsToken',
  'webhookSecrets',
  '*.webhookSecrets',
  'passcodeKeys',
  '*.passcodeKeys',
  'redisUrl',
  '*.redisUrl',
];

/** Replaces the token in a /reveal/{token} URL, for request logs (and any text that holds one). */
export function redactRevealUrl(text: string): string {
  return text.replace(/\/reveal\/[^/?#\s"'<>]+/g, '/reveal/[redacted]');
}
