/** The emulated network load balancer. */
export { parseTarget, startNlb, type Nlb, type NlbOptions, type TargetAddress } from "./nlb.js";
