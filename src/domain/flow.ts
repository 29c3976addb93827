// The flow of an exchange (DESIGN.md, "Definitions": Flow) from the two parties' kinds and levels,
// and a message's direction from the monitored agency's view. Pure.

import type { AgencyLevel, Direction, Flow, Party } from './types.js';

export type FlowRule =
  | 'flow.non_state'
  | 'flow.same_agency'
  | 'flow.to_province_pc'
  | 'flow.inter_agency'
  | 'flow.to_department_or_district'
  | 'flow.commune_level'
  | 'flow.unknown';

type FlowParty = Pick<Party, 'kind' | 'agencyCode' | 'agencyLevel'>;

/** Provincial organizations take part in flows as departments do (DESIGN.md, "The domain"). */
function flowLevel(level: AgencyLevel): AgencyLevel {
  return level === 'provincial_org' ? 'department' : level;
}

const NON_STATE_FLOW: Partial<Record<Party['kind'], Flow>> = {
  enterprise: 'with_enterprise',
  organization: 'with_organization',
  individual: 'with_individual',
};

/**
 * The flow of an exchange from `sender` to `receiver`: the first rule of DESIGN.md's table that
 * applies. When one side is not a state agency, that side decides (an unknown one gives `unknown`:
 * it may be a state body missing from the directory); when neither is, there is no state side to
 * speak of and the flow is `unknown`.
 */
export function flowOf(sender: FlowParty, receiver: FlowParty): { flow: Flow; rule: FlowRule } {
  const senderIsAgency = sender.kind === 'agency' && sender.agencyCode !== null && sender.agencyLevel !== null;
  const receiverIsAgency = receiver.kind === 'agency' && receiver.agencyCode !== null && receiver.agencyLevel !== null;

  if (!senderIsAgency || !receiverIsAgency) {
    if (!senderIsAgency && !receiverIsAgency) return { flow: 'unknown', rule: 'flow.unknown' };
    const other = senderIsAgency ? receiver : sender;
    const flow = NON_STATE_FLOW[other.kind];
    return flow ? { flow, rule: 'flow.non_state' } : { flow: 'unknown', rule: 'flow.unknown' };
  }
  if (sender.agencyCode === receiver.agencyCode) return { flow: 'internal', rule: 'flow.same_agency' };

  // Both checked non-null above; TypeScript cannot carry that through the booleans.
  const from = flowLevel(sender.agencyLevel as AgencyLevel);
  const to = flowLevel(receiver.agencyLevel as AgencyLevel);
  if (to === 'province_pc') return { flow: 'to_province_pc', rule: 'flow.to_province_pc' };

  const toDepartmentOrDistrict = to === 'department' || to === 'district_pc';
  if (toDepartmentOrDistrict && (from === 'province_pc' || from === 'department' || from === 'district_pc')) {
    return { flow: 'inter_agency', rule: 'flow.inter_agency' };
  }
  if (toDepartmentOrDistrict && (from === 'commune_pc' || from === 'unit')) {
    return { flow: 'to_department_or_district', rule: 'flow.to_department_or_district' };
  }
  if (from === 'commune_pc' || from === 'unit' || to === 'commune_pc' || to === 'unit') {
    return { flow: 'commune_level', rule: 'flow.commune_level' };
  }
  // Unreachable with the six levels of today; kept so a new level falls to `unknown`, not to a guess.
  return { flow: 'unknown', rule: 'flow.unknown' };
}

function isMonitored(monitored: string, p: Pick<Party, 'kind' | 'agencyCode'>): boolean {
  return p.kind === 'agency' && p.agencyCode === monitored;
}

/**
 * A message's direction for the monitored agency: `internal` when it is From the agency and every
 * recipient is the agency too, `outbound` when it is From the agency and some recipient is not (or
 * no recipient is visible, as with a Bcc-only copy in Sent), `inbound` otherwise.
 */
export function directionOf(
  monitored: string,
  fromParty: Pick<Party, 'kind' | 'agencyCode'>,
  toParties: Array<Pick<Party, 'kind' | 'agencyCode'>>,
): Direction {
  if (!isMonitored(monitored, fromParty)) return 'inbound';
  if (toParties.length > 0 && toParties.every((p) => isMonitored(monitored, p))) return 'internal';
  return 'outbound';
}
