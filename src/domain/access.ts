// Who may see what in the web application and its API (issue 7). Pure: every route asks these
// functions with the signed-in user and what the request names, and applies the answer to its
// query, so an agency user's scope is decided here once and enforced on the server for every query.
//
// Roles: `admin` sees and changes everything; `analyst` (the Department) reads every agency and
// may correct labels; `agency` reads its own agency only. A request that names another agency is
// refused (`forbidden`); a record found by id outside the scope is reported as not found, so its
// existence is not disclosed either.

export const ROLES = ['admin', 'analyst', 'agency'] as const;
export type Role = (typeof ROLES)[number];

export interface WebUser {
  id: number;
  name: string;
  role: Role;
  /** The agency of an `agency` user; null for the other roles. */
  agencyCode: string | null;
}

/** The agencies a query may cover: all of them, or exactly one. */
export type AgencyScope = { kind: 'all' } | { kind: 'one'; agency: string };

export type ScopeDecision = { ok: true; scope: AgencyScope } | { ok: false; reason: 'forbidden' };

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/**
 * The scope of a query that optionally names an agency. An agency user gets its own agency
 * whether it names it or nothing; naming another one is forbidden.
 */
export function agencyScope(user: WebUser, requested: string | null | undefined): ScopeDecision {
  const named = requested === undefined || requested === null || requested === '' ? null : requested;
  if (user.role === 'agency') {
    if (user.agencyCode === null) return { ok: false, reason: 'forbidden' };
    if (named !== null && named !== user.agencyCode) return { ok: false, reason: 'forbidden' };
    return { ok: true, scope: { kind: 'one', agency: user.agencyCode } };
  }
  return { ok: true, scope: named === null ? { kind: 'all' } : { kind: 'one', agency: named } };
}

/** Whether a record touching these agencies (an exchange's two sides, a mailbox's agency) is visible. */
export function canSeeAgencies(user: WebUser, agencies: Array<string | null>): boolean {
  if (user.role !== 'agency') return true;
  return user.agencyCode !== null && agencies.includes(user.agencyCode);
}

/** Province-wide views (the overview, ranking every agency, the report) are not for agency users. */
export function canSeeProvince(user: WebUser): boolean {
  return user.role === 'admin' || user.role === 'analyst';
}

/**
 * Correcting an exchange's labels and links (overrides): admins and analysts (issue 7: the
 * Department "may correct labels"); never an agency user, even on its own exchanges.
 */
export function canCorrect(user: WebUser): boolean {
  return user.role === 'admin' || user.role === 'analyst';
}

/**
 * The archived reports a user may list and download: every one for admins and analysts; for an
 * agency user only its own agency's reports. The province-wide report names and ranks every agency,
 * which an agency user's scope does not cover (canSeeProvince), so it is not listed for them
 * either; the Department sends it to whom it concerns.
 */
export function reportScope(user: WebUser): { kind: 'all' } | { kind: 'one'; agency: string } | null {
  if (user.role !== 'agency') return { kind: 'all' };
  return user.agencyCode === null ? null : { kind: 'one', agency: user.agencyCode };
}

export function canSeeReport(user: WebUser, reportScopeOfBuild: string): boolean {
  const s = reportScope(user);
  if (s === null) return false;
  return s.kind === 'all' || reportScopeOfBuild === s.agency;
}

/** Mailbox administration, queue health, the audit log: admins only. */
export function canAdminister(user: WebUser): boolean {
  return user.role === 'admin';
}

/** Where a user lands after signing in. */
export function homePath(user: WebUser): string {
  return user.role === 'agency' ? `/agencies/${encodeURIComponent(user.agencyCode ?? '')}` : '/overview';
}
