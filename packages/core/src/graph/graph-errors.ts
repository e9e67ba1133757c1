import {
  PermanentError,
  ThrottledError,
  TransientError,
  WaitingError,
  isWorkflowError,
  type GraphErrorDetail,
  type WorkflowError,
} from '../errors';

/**
 * The one place where Graph and token failures are sorted into the WorkflowError kinds
 * (STYLE habit 5; spec/graph.md "Errors, in general"). Decisions go by status and code;
 * the two cases Graph only tells apart by message have one named function each, with the
 * exact message as a constant.
 */

/** graph.md "Groups": the answer to adding a member who is already there (observed). */
export const ALREADY_MEMBER_MESSAGE =
  "One or more added object references already exist for the following modified properties: 'members'.";

/** graph.md "Temporary Access Pass": the policy refused (disabled, or user not targeted yet). A prefix. */
export const TAP_POLICY_REFUSAL_MESSAGE_PREFIX =
  'Converged UserCredentialPolicy does not allow creating or updating this authentication method.';

/** Without Retry-After, Graph asks for exponential backoff; this is the first step of ours. */
const THROTTLE_FALLBACK_BASE_MS = 2_000;
const THROTTLE_FALLBACK_MAX_MS = 5 * 60_000;

/** What the adapter knows about one failed call, whatever layer it came from. */
export interface GraphFailure {
  /** HTTP status, or -1/undefined when no answer arrived (network error, timeout). */
  status?: number;
  code?: string | null;
  message: string;
  requestId?: string | null;
  retryAfter?: string | null;
  /** Error name of a failure without an answer: AbortError, TimeoutError, TypeError (fetch failed). */
  name?: string;
}

/** 400 with the "already a member" message: addGroupMember treats it as success. */
export function isAlreadyMemberError(f: GraphFailure): boolean {
  return f.status === 400 && f.message === ALREADY_MEMBER_MESSAGE;
}

/** The TAP policy refusal: replication lag right after a group change, or a real misconfiguration. */
export function isTapPolicyRefusal(f: GraphFailure): boolean {
  return (f.status === 400 || f.status === 403) && f.message.startsWith(TAP_POLICY_REFUSAL_MESSAGE_PREFIX);
}

/** Retry-After in seconds, fractional allowed (graph.md); an HTTP date is accepted too. */
export function parseRetryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function detail(f: GraphFailure): GraphErrorDetail {
  return {
    ...(f.status !== undefined && f.status > 0 ? { status: f.status } : {}),
    ...(f.code ? { code: f.code } : {}),
    message: f.message,
    ...(f.requestId ? { requestId: f.requestId } : {}),
  };
}

/**
 * Sorts a failed Graph call. `what` names the call for the reason text ("add group member").
 * `throttleAttempt` feeds the exponential fallback when a 429 carries no Retry-After.
 */
export function classifyGraphFailure(f: GraphFailure, what: string, throttleAttempt = 1): WorkflowError {
  const d = detail(f);
  const status = f.status ?? -1;
  if (status === 429) {
    const given = parseRetryAfterMs(f.retryAfter);
    const ms = given ?? Math.min(THROTTLE_FALLBACK_MAX_MS, THROTTLE_FALLBACK_BASE_MS * 2 ** Math.max(0, throttleAttempt - 1));
    // Exchange answers its own limits (per mailbox: concurrency, requests per 10 minutes) with
    // this code, Graph's per-tenant buckets with TooManyRequests.
    if (f.code === 'ApplicationThrottled') return new ThrottledError(`${what}: throttled by Outlook for this mailbox`, ms, d, given !== null, 'mailbox');
    return new ThrottledError(`${what}: throttled by Graph`, ms, d, given !== null);
  }
  if (status <= 0) {
    const kind = f.name === 'AbortError' || f.name === 'TimeoutError' ? 'timed out' : 'network error';
    return new TransientError(`${what}: ${kind} (${f.message})`, d);
  }
  if (status === 408 || status >= 500) return new TransientError(`${what}: Graph answered ${status}`, d);
  if (isTapPolicyRefusal(f)) {
    return new WaitingError(`${what}: the TAP policy refused the pass (policy replication?)`, 'tap-policy-replication', d);
  }
  if (status === 401 || status === 403) return new PermanentError(`${what}: access denied by Graph (${status})`, d);
  if (status === 404) return new PermanentError(`${what}: not found`, d);
  return new PermanentError(`${what}: Graph refused the request (${status})`, d);
}

/** The shape of the SDK's GraphError that we read (lib/src/GraphError.d.ts). */
interface SdkGraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
  requestId?: string | null;
  headers?: { get(name: string): string | null };
  body?: unknown;
}

/** Normalises whatever the Graph client threw into a GraphFailure. */
export function toGraphFailure(err: unknown): GraphFailure {
  const e = (err ?? {}) as SdkGraphErrorLike & { name?: string };
  const headers = e.headers && typeof e.headers.get === 'function' ? e.headers : undefined;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // A failure without an answer: the SDK puts the original error's name into `code`.
  const name = status === undefined || status <= 0 ? (e.code ?? e.name ?? undefined) : undefined;
  return {
    status,
    code: status !== undefined && status > 0 ? e.code : undefined,
    message: e.message || String(err),
    requestId: e.requestId ?? headers?.get('request-id') ?? undefined,
    retryAfter: headers?.get('retry-after') ?? undefined,
    ...(name ? { name } : {}),
  };
}

/** Token endpoint answers (AADSTS) that no retry can fix: wrong secret, unknown tenant or app. */
const PERMANENT_TOKEN_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_request',
  'invalid_grant',
  'invalid_scope',
  'invalid_resource',
  'unsupported_grant_type',
]);

/**
 * The OAuth error code of a token failure. @azure/identity 4.13 hands AADSTS answers on as
 * AuthenticationError (statusCode, errorResponse.error) or, for MSAL server errors, as
 * AuthenticationRequiredError whose message starts with "<error code>: " and which keeps no
 * other trace of it; that prefix is the only way left to tell a wrong secret from an outage.
 */
export function tokenErrorCode(err: unknown): string | undefined {
  const e = (err ?? {}) as { name?: string; message?: string; errorResponse?: { error?: string } };
  if (e.errorResponse?.error) return e.errorResponse.error;
  if (e.name === 'AuthenticationRequiredError') return /^([a-z_]+): /.exec(e.message ?? '')?.[1];
  return undefined;
}

/**
 * Sorts an @azure/identity failure. A refused client (wrong secret, unknown app) is permanent;
 * an unreachable or unresolvable authority (CredentialUnavailableError) may be an outage, so
 * it is transient and BullMQ's attempts bound it.
 */
export function classifyTokenFailure(err: unknown): WorkflowError {
  if (isWorkflowError(err)) return err;
  const e = (err ?? {}) as { name?: string; message?: string; statusCode?: number };
  const code = tokenErrorCode(err);
  const message = `token request failed: ${(e.message ?? String(err)).split('\n')[0]}`;
  const d: GraphErrorDetail = { message, ...(code ? { code } : {}), ...(e.statusCode ? { status: e.statusCode } : {}) };
  if (e.statusCode === 429) return new ThrottledError(message, THROTTLE_FALLBACK_BASE_MS, d, false);
  if (code && PERMANENT_TOKEN_ERRORS.has(code)) return new PermanentError(message, d);
  return new TransientError(message, d);
}
