import type { Clock } from '../clock';
import type { WorkerConfig } from '../config/config';
import type { PasscodeCipher } from '../crypto/passcode-cipher';
import type { GraphGateway } from '../graph/graph.port';
import type { AuditTrail } from '../store/audit-trail';
import type { OnboardingStore } from '../store/onboarding-store';
import type { RevealLinks } from '../store/reveal-links';
import type { MailboxSlotsPort } from '../store/mailbox-slots';
import type { IssuanceGuardPort } from '../readiness/issuance-guard';

/** The part of the worker's configuration the workflow reads. */
export type WorkflowSettings = Pick<
  WorkerConfig,
  | 'tapPilotGroupId'
  | 'webSignInDeviceGroupId'
  | 'noticeSenderUpn'
  | 'publicBaseUrl'
  | 'defaultActivationTime'
  | 'userLookupWindowMs'
  | 'replicationWindowMs'
  | 'tapPolicyCacheMs'
>;

/** pino-compatible; core does not import pino. Never pass a passcode, token or Graph answer. */
export interface WorkflowLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything a step may touch. Steps are plain async functions over these. */
export interface WorkflowPorts {
  graph: GraphGateway;
  store: OnboardingStore;
  audit: AuditTrail;
  links: RevealLinks;
  cipher: PasscodeCipher;
  clock: Clock;
  settings: WorkflowSettings;
  log: WorkflowLog;
  /** Tenant readiness gate, ops pause, blast-radius brake, dry-run (issue 9); absent = always open. */
  issuance?: IssuanceGuardPort;
  /** Outlook's concurrent-request limit of the sender mailbox, shared by every worker; absent = unbounded. */
  mailboxSlots?: MailboxSlotsPort;
}

/** What every onboarding job carries; a job whose ids no longer match the record is stale. */
export interface OnboardingRef {
  employeeId: string;
  onboardingId: string;
  generation: number;
}

export const silentLog: WorkflowLog = { debug() {}, info() {}, warn() {}, error() {} };
