import { z } from 'zod';

/** The four kinds of people who use a node. @see DESIGN.md "Access". */
export const ROLES = ['clinician', 'it_admin', 'compliance_officer', 'researcher'] as const;
export const role = z.enum(ROLES);
export type Role = z.infer<typeof role>;

export const ROLE_LABELS: Record<Role, string> = {
  clinician: 'Clinician',
  it_admin: 'Facility IT',
  compliance_officer: 'Compliance officer',
  researcher: 'Researcher',
};
