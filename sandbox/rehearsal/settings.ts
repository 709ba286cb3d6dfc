/** Where the rehearsal keeps its files and which names and addresses it takes on this machine. */
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Everything the rehearsal writes lives here (git-ignored): the image cache and the current run. */
export const WORK_DIR = join(REPO_ROOT, ".rehearsal");
export const IMAGE_CACHE_DIR = join(WORK_DIR, "images");
export const RUN_DIR = join(WORK_DIR, "run");
/** The host's console (systemd's boot messages), kept after the run. */
export const CONSOLE_LOG = join(WORK_DIR, "console.log");

/** The network namespace, its veth pair (interface names ≤ 15 characters) and the nft table. */
export const NETWORK = {
  namespace: "exo-rehearsal",
  hostIf: "exoreh-host",
  hostIfInside: "exoreh-guest",
  /** Inside the namespace the guest end is renamed to this. */
  guestIf: "eth0",
  hostAddress: "10.231.0.1",
  guestAddress: "10.231.0.2",
  prefix: 30,
  subnet: "10.231.0.0/30",
  nftTable: "exo_rehearsal",
} as const;

/** The stand-in servers on the host side of the veth. */
export const PORTS = { repo: 18_080, emulator: 18_081 } as const;

/** The login the graph's connection uses; a minbase root has no cloud-init to create it. */
export const SSH_USER = "ubuntu";
export const HOSTNAME = "exo-rehearsal-monitoring";
