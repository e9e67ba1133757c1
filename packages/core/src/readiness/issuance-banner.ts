import { blockingFailures } from './doctor-report';
import type { IssuanceState } from './issuance-control';

/**
 * What the dashboard shows above every admin page while TAP issuance is held, most severe
 * first (issue 9: "dashboard banner"). Plain text: the page escapes it.
 */
export interface IssuanceBanner {
  level: 'error' | 'warning' | 'info';
  title: string;
  text: string;
}

export function issuanceBanners(state: IssuanceState): IssuanceBanner[] {
  const out: IssuanceBanner[] = [];
  if (state.brake) {
    out.push({
      level: 'error',
      title: 'TAP issuance stopped by the blast-radius brake',
      text: `Since ${state.brake.at}: ${state.brake.reason}. Onboardings wait (needs attention). Check the recent onboardings and the tenant, then resume: POST /api/brake/resume.`,
    });
  }
  if (state.paused) {
    out.push({
      level: 'warning',
      title: 'TAP issuance paused',
      text: `Paused by ${state.paused.by} since ${state.paused.at}${state.paused.reason ? ` (${state.paused.reason})` : ''}. Onboardings wait (needs attention). Resume: POST /api/issuance/resume.`,
    });
  }
  const failing = state.report ? blockingFailures(state.report) : [];
  if (failing.length > 0) {
    out.push({
      level: 'error',
      title: 'The tenant is not ready: TAP issuance waits',
      text: `${failing.map((c) => `${c.title}: ${c.detail}`).join(' · ')}. Fix it (npm run doctor shows how); issuance resumes by itself once the checks pass.`,
    });
  }
  if (state.report?.dryRun) {
    out.push({ level: 'info', title: 'Dry run', text: 'DRY_RUN is on: every Graph write is logged and skipped, and no passcode is created.' });
  }
  return out;
}
