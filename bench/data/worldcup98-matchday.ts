/**
 * A match day of the FIFA World Cup 1998 web site, as a relative request rate per hour of local time.
 *
 * Source: the World Cup 1998 access logs (ita.ee.lbl.gov/html/contrib/WorldCup.html; M. Arlitt and T. Jin,
 * "A workload characterization study of the 1998 World Cup Web site", IEEE Network 14(3), 2000): every
 * request to the site from 30 April to 26 July 1998, 1,352,804,107 requests, time stamps in GMT (local
 * time in France was GMT+2), with strong spikes on match days.
 *
 * Derivation: the logs cannot be downloaded here (nothing is fetched at run time either), so this is a
 * HAND-DERIVED SHAPE, not a measurement. It keeps the trace's known features:
 * - a diurnal base: quiet in the European night (minimum around 04:00–05:00 local), rising through the
 *   morning, a broad afternoon plateau;
 * - match-day spikes: traffic jumps while matches are played (the site served live scores), here the two
 *   evening kick-offs of a group-stage day, 17:30 and 21:00 local, each a sharp rise within the hour of
 *   play and a fall after the final whistle;
 * - the highest point of the day during the evening match.
 * Each value is the hour's rate relative to the day's peak (1.0), read at the middle of the hour.
 *
 * For the benchmark the day is compressed the way the elasticity literature replays traces (one day to a
 * few hours; see SPEC RG / BUNGEE): 1 hour → 6 minutes (24 h → 144 min), linearly interpolated per
 * minute, with ±3 % seeded noise per minute, and the amplitude scaled so that the peak needs 9 of the
 * pool's 10 members at the 80 % threshold (7.2 members' worth of CPU).
 */
export const WORLDCUP98_MATCHDAY_HOURLY: readonly number[] = [
  0.3, 0.22, 0.16, 0.12, 0.1, 0.1, 0.12, 0.18, 0.28, 0.36, 0.42, 0.46, 0.5, 0.52, 0.54, 0.56, 0.6, 0.74, 0.95, 0.78, 0.7, 0.9, 1.0, 0.6,
];

/** Minutes of benchmark time per hour of the trace. */
export const MINUTES_PER_TRACE_HOUR = 6;
/** Members' worth of CPU at the day's peak. */
export const PEAK_DEMAND = 7.2;
