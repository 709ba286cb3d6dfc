/** Exoscale zones that serve API v2 (the OpenAPI `servers` enum). */
export const EXOSCALE_ZONES = ["ch-gva-2", "ch-dk-2", "de-fra-1", "de-muc-1", "at-vie-1", "at-vie-2", "bg-sof-1", "hr-zag-1"] as const;

export type ExoscaleZone = (typeof EXOSCALE_ZONES)[number];

export function isExoscaleZone(value: string): value is ExoscaleZone {
  return (EXOSCALE_ZONES as readonly string[]).includes(value);
}

/** The zone's API v2 base URL, e.g. https://api-at-vie-1.exoscale.com/v2 */
export function zoneEndpoint(zone: string): string {
  return `https://api-${zone}.exoscale.com/v2`;
}
