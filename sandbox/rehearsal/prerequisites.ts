/** What the rehearsal needs from this machine: root, and a few Debian packages' commands. */
import { findSystemCommand } from "../systemCommands.js";

/** Command → the Debian package that ships it. */
export const REQUIRED_COMMANDS: Readonly<Record<string, string>> = {
  debootstrap: "debootstrap",
  "systemd-nspawn": "systemd-container",
  nft: "nftables",
  ip: "iproute2",
  gpg: "gnupg",
  gpgconf: "gnupg",
  "dpkg-deb": "dpkg",
  mount: "mount",
};

export interface Prerequisites {
  root: boolean;
  /** Missing commands, by the package that ships them. */
  missingPackages: string[];
}

export function checkPrerequisites(
  uid: number = process.getuid?.() ?? -1,
  has: (command: string) => boolean = (command) => findSystemCommand(command) !== undefined,
): Prerequisites {
  const missing = new Set<string>();
  for (const [command, pkg] of Object.entries(REQUIRED_COMMANDS)) if (!has(command)) missing.add(pkg);
  return { root: uid === 0, missingPackages: [...missing].sort() };
}

/** What to tell the user, or undefined when everything is there. */
export function prerequisiteProblems(p: Prerequisites): string | undefined {
  const lines: string[] = [];
  if (!p.root) {
    lines.push(
      "rehearse: must run as root (it debootstraps a Debian root, boots it with systemd-nspawn in its own network namespace and adds a NAT rule): sudo npm run rehearse",
    );
  }
  if (p.missingPackages.length > 0) {
    lines.push(`rehearse: missing Debian packages: ${p.missingPackages.join(" ")}`);
    lines.push(`  install them with: apt-get install --no-install-recommends ${p.missingPackages.join(" ")}`);
  }
  return lines.length > 0 ? lines.join("\n") : undefined;
}
