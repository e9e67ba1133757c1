import type { Redis } from 'ioredis';
import {
  AuditTrail,
  EventReceipts,
  OnboardingStore,
  PasscodeCipher,
  RevealLinks,
  type ApiConfig,
  type Clock,
} from '@hirepass/core';
import type { ApiQueues } from './plugins/queues';
import type { ApiMetrics } from './plugins/metrics';
import type { WebhookVerifier } from './webhook/webhook-signature';

/** Everything a route needs, built once per app in app.ts (the composition root). */
export interface ApiContext {
  config: ApiConfig;
  clock: Clock;
  redis: Redis;
  onboardings: OnboardingStore;
  receipts: EventReceipts;
  audit: AuditTrail;
  links: RevealLinks;
  cipher: PasscodeCipher;
  queues: ApiQueues;
  metrics: ApiMetrics;
  verifier: WebhookVerifier;
  /** Cookies get `Secure` when the public URL is https. */
  secureCookies: boolean;
}

export function createStores(redis: Redis, prefix: string, auditRetentionDays?: number) {
  return {
    onboardings: new OnboardingStore(redis, prefix),
    receipts: new EventReceipts(redis, prefix),
    audit: new AuditTrail(redis, prefix, auditRetentionDays ? { maxAgeDays: auditRetentionDays } : {}),
    links: new RevealLinks(redis, prefix),
  };
}
