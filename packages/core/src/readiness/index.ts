/** Tenant readiness (issue 9): doctor, bootstrap, the issuance gate, brake, pause and dry-run. */
export * from './permissions';
export * from './token-roles';
export * from './readiness-config';
export * from './doctor-report';
export { type ReadinessTarget } from './check-context';
export * from './doctor';
export * from './intune-policies';
export * from './bootstrap';
export * from './issuance-control';
export * from './issuance-banner';
export * from './issuance-guard';
export * from './issuance-gate';
export * from './issuance-holds';
export * from './issuance-accounting';
export * from './dry-run.gateway';
export * from './format-report';
export * from './start-issuance';
