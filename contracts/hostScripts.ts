/**
 * The shell scripts the remote commands run on the monitoring host, as text. Each is idempotent (a second
 * run finds everything in place and changes nothing), sticks to what Ubuntu 24.04 and Debian 12 share (apt,
 * systemd, the same package names), and takes no secret: secrets reach the host only inside staged
 * environment files, which the scripts install and, for Grafana's password, read from a pipe.
 *
 * Shell code here is written in String.raw templates so backslashes stay as written. Inside them every
 * `${…}` is a TypeScript interpolation; shell variables are always written `$name`, and the one shell
 * brace expansion needed (dpkg-query's format) goes through {@link D}.
 */
import { bundlePath, HOST_LAYOUT, STAGED, stagedPath, type ServiceKey } from "./hostLayout.js";
import { GRAFANA_UNIT, type LongRunningService } from "./systemdUnits.js";

/** A literal dollar sign, for the rare shell `${…}` inside a String.raw template. */
const D = "$";

/** The here-document delimiter asRemoteCommand wraps a script in. */
export const REMOTE_DELIMITER = "__EXOSCALE_AUTOSCALER__";

export const PROMETHEUS_UNIT = "prometheus.service";
export const NODE_EXPORTER_UNIT = "prometheus-node-exporter.service";

/** How long (checks one second apart) a unit may take to come up, and how many checks in a row it must stay up. */
const SERVICE_WAIT = { limit: 15, settle: 5, journalLines: 30 };
const PROMETHEUS_WAIT = { limit: 30, settle: 3, journalLines: 30 };
const GRAFANA_WAIT = { limit: 90, settle: 3, journalLines: 30 };
const PROVISIONER_JOURNAL_LINES = 50;
/** cloud-init on a fresh VM takes a few minutes at most; never wait forever. */
const CLOUD_INIT_TIMEOUT_SECONDS = 900;

/** The apt keyrings and source lists the install script owns. */
const APT_KEYRINGS = "/etc/apt/keyrings";
const APT_SOURCES = "/etc/apt/sources.list.d";
const GRAFANA_KEYRING = `${APT_KEYRINGS}/grafana.gpg`;
const NODESOURCE_KEYRING = `${APT_KEYRINGS}/nodesource.gpg`;
/** Installed by the base step: Prometheus and node_exporter from the distribution, and what fetching keys needs. */
export const BASE_PACKAGES = ["prometheus", "prometheus-node-exporter", "ca-certificates", "curl", "gnupg"] as const;
/** Grafana's package creates this user; its CLI runs as it so the database keeps its owner. */
const GRAFANA_USER = "grafana";

export interface PackageSources {
  /** Grafana's apt repository (suite `stable`, component `main`). */
  grafanaAptUrl: string;
  /** Its signing key (ASCII-armoured or binary). */
  grafanaKeyUrl: string;
  /** NodeSource's repository for one Node.js major (suite `nodistro`, component `main`). */
  nodeAptUrl: string;
  nodeKeyUrl: string;
}

export const DEFAULT_NODE_MAJOR = 22;

/** NodeSource's repository of one Node.js major. */
export function nodesourceAptUrl(major: number): string {
  return `https://deb.nodesource.com/node_${major}.x`;
}

export const DEFAULT_PACKAGE_SOURCES: Readonly<PackageSources> = Object.freeze({
  grafanaAptUrl: "https://apt.grafana.com",
  grafanaKeyUrl: "https://apt.grafana.com/gpg-full.key",
  nodeAptUrl: nodesourceAptUrl(DEFAULT_NODE_MAJOR),
  nodeKeyUrl: "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key",
});

/** A single-quoted shell word: nothing inside is expanded. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell functions every script defines. Exported so tests can exercise them one by one; callers use the
 * whole scripts below.
 */
export function hostScriptHelpers(): string {
  return String.raw`# shellcheck disable=SC2034 # read by the scripts that install files, after install_file
files_changed=no

# install_file SRC DEST MODE OWNER GROUP: copies a staged file into place with its mode and owner, unless
# DEST already has that content, mode and owner (then nothing is touched); sets files_changed=yes when it
# installed.
# shellcheck disable=SC2034 # files_changed is read by the caller
install_file() {
  if cmp -s "$1" "$2" && [ "$(stat -c '%a %U %G' "$2")" = "${D}{3#0} $4 $5" ]; then
    echo "unchanged $2"
    return 0
  fi
  install -m "$3" -o "$4" -g "$5" "$1" "$2"
  files_changed=yes
  echo "installed $2"
}

# fail_unit UNIT LINES WHY: reports why UNIT is not up, with its last LINES journal lines, and exits 1.
fail_unit() {
  echo "$1 $3; its last $2 journal lines:" >&2
  journalctl -u "$1" -n "$2" --no-pager >&2 || true
  exit 1
}

# wait_active UNIT LIMIT SETTLE LINES: succeeds once UNIT has been active for SETTLE checks in a row (one a
# second, at most LIMIT checks), so a service that starts and then dies on its configuration is caught;
# fails at once when UNIT has failed.
wait_active() {
  local unit=$1 limit=$2 settle=$3 lines=$4 state=unknown streak=0 i
  for ((i = 0; i < limit; i++)); do
    state=$(systemctl is-active "$unit" || true)
    if [ "$state" = active ]; then
      streak=$((streak + 1))
      if [ "$streak" -ge "$settle" ]; then
        echo "$unit is active"
        return 0
      fi
    else
      streak=0
      if [ "$state" = failed ]; then
        break
      fi
    fi
    sleep 1
  done
  fail_unit "$unit" "$lines" "is $state, not steadily active"
}

# env_file_value FILE NAME: prints NAME's value from an EnvironmentFile written by renderEnvFile
# (NAME="value", where a backslash always escapes the next character); fails when NAME is absent.
env_file_value() {
  grep -m 1 "^$2=\"" "$1" | sed -e "s/^$2=\"//" -e 's/"$//' -e 's/\\\(.\)/\1/g'
}

# reset_grafana_admin_password FILE: sets Grafana's admin password to FILE's GF_SECURITY_ADMIN_PASSWORD.
# Grafana applies that variable only when it creates its database; this covers a database that already
# existed. The password travels through a pipe only, never a command line, and is never printed.
reset_grafana_admin_password() {
  local password output attempt
  if ! password=$(env_file_value "$1" GF_SECURITY_ADMIN_PASSWORD) || [ -z "$password" ]; then
    echo "$1 sets no GF_SECURITY_ADMIN_PASSWORD" >&2
    exit 1
  fi
  # Grafana may hold its database briefly just after start: retry a few times.
  for attempt in 1 2 3 4 5; do
    if output=$(printf '%s\n' "$password" | runuser -u ${GRAFANA_USER} -- grafana cli admin reset-admin-password --password-from-stdin 2>&1); then
      echo "Grafana's admin password is the one in $1"
      return 0
    fi
    echo "grafana cli could not set the admin password (attempt $attempt)" >&2
    sleep 2
  done
  printf '%s\n' "$output" >&2
  exit 1
}
`;
}

/** A complete script: strict mode first, then the helpers, then the steps. */
function script(...steps: string[]): string {
  return ["set -euo pipefail", hostScriptHelpers(), ...steps].join("\n").replace(/\n*$/, "\n");
}

/**
 * The remote command that runs a script as root. The script is wrapped in a `{ … }` group read from a
 * quoted here-document: nothing in it is expanded by the login shell, bash parses the whole group before
 * running any of it (a dropped connection never runs half a script), and the group's stdin is /dev/null,
 * so a command inside that reads stdin cannot swallow the rest of the script.
 */
export function asRemoteCommand(scriptText: string): string {
  if (scriptText.split(/\r?\n/).some((line) => line.trim() === REMOTE_DELIMITER)) {
    throw new RangeError(`the script contains the line ${REMOTE_DELIMITER}, which would end its here-document early`);
  }
  return `sudo bash -s <<'${REMOTE_DELIMITER}'\n{\n${scriptText.replace(/\n$/, "")}\n} </dev/null\n${REMOTE_DELIMITER}`;
}

/**
 * Waits until cloud-init has finished the first boot (package installs and users included), so the
 * later steps never race it for apt's lock. Exit 2 of `cloud-init status` means it finished with
 * recoverable errors: reported, then carried on. A host without cloud-init has nothing to wait for.
 */
export function waitForBootScript(): string {
  return script(String.raw`if ! command -v cloud-init >/dev/null 2>&1; then
  echo "no cloud-init on this host: nothing to wait for"
  exit 0
fi
status=0
timeout ${CLOUD_INIT_TIMEOUT_SECONDS} cloud-init status --wait >/dev/null || status=$?
case $status in
  0)
    echo "cloud-init finished"
    ;;
  2)
    echo "cloud-init finished with recoverable errors (degraded); carrying on:" >&2
    cloud-init status --long >&2 || true
    ;;
  124)
    echo "cloud-init was still running after ${CLOUD_INIT_TIMEOUT_SECONDS} s" >&2
    exit 1
    ;;
  *)
    echo "cloud-init failed (status exit $status):" >&2
    cloud-init status --long >&2 || true
    exit 1
    ;;
esac`);
}

const GRAFANA_VERSION = /^[0-9]+\.[0-9]+(\.[0-9]+)?$/;

/** An apt source URL: http(s), no credentials (they would be a secret in the script), nothing to escape. */
function aptUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "") {
    throw new RangeError(`${name} must be an http(s) URL without credentials, got ${JSON.stringify(value)}`);
  }
  if (/[\s'"\\]/.test(value)) {
    throw new RangeError(`${name} must not contain spaces, quotes or backslashes: ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, "");
}

function packageSources(nodeMajor: number, sources: Partial<PackageSources> = {}): PackageSources {
  return {
    grafanaAptUrl: aptUrl("grafanaAptUrl", sources.grafanaAptUrl ?? DEFAULT_PACKAGE_SOURCES.grafanaAptUrl),
    grafanaKeyUrl: aptUrl("grafanaKeyUrl", sources.grafanaKeyUrl ?? DEFAULT_PACKAGE_SOURCES.grafanaKeyUrl),
    // The default follows nodeMajor, so asking for another major needs no second setting.
    nodeAptUrl: aptUrl("nodeAptUrl", sources.nodeAptUrl ?? nodesourceAptUrl(nodeMajor)),
    nodeKeyUrl: aptUrl("nodeKeyUrl", sources.nodeKeyUrl ?? DEFAULT_PACKAGE_SOURCES.nodeKeyUrl),
  };
}

/** apt helpers: noninteractive, waiting for the dpkg lock, keeping changed configuration files. */
function aptFunctions(): string {
  return String.raw`export DEBIAN_FRONTEND=noninteractive
# Ubuntu's needrestart would otherwise restart services behind our back after each install.
export NEEDRESTART_SUSPEND=1
apt_updated=no
sources_changed=no
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# Waits for another apt or dpkg (unattended-upgrades after boot) instead of failing on its lock, and keeps
# configuration files we changed (prometheus.yml) when an upgrade ships new ones.
apt_get() {
  apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

apt_update() {
  apt_get update
  apt_updated=yes
}

is_installed() {
  local status
  status=$(dpkg-query -W -f='${D}{Status}' "$1" 2>/dev/null) || return 1
  case $status in
    "install ok installed" | "hold ok installed") return 0 ;;
  esac
  return 1
}

# install_missing PACKAGE...: installs those not installed yet, without their recommendations.
install_missing() {
  local missing="" package
  for package in "$@"; do
    if ! is_installed "$package"; then
      missing="$missing $package"
    fi
  done
  if [ -z "$missing" ]; then
    echo "already installed:$(printf ' %s' "$@")"
    return 0
  fi
  if [ "$apt_updated" = no ]; then
    apt_update
  fi
  # shellcheck disable=SC2086 # package names never contain spaces: split on purpose
  apt_get install --no-install-recommends $missing
}

# ensure_key URL DEST: the signing key served at URL, as a binary keyring at DEST (replaced only when different).
ensure_key() {
  local download="$workdir/key.download" keyring="$workdir/key.gpg"
  curl -fsSL --retry 5 --retry-delay 2 --max-time 60 -o "$download" "$1"
  if grep -q -e '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$download"; then
    gpg --batch --no-tty --homedir "$workdir" --dearmor <"$download" >"$keyring"
  else
    cp "$download" "$keyring"
  fi
  if ! cmp -s "$keyring" "$2"; then
    install -D -m 0644 -o root -g root "$keyring" "$2"
    sources_changed=yes
    echo "installed the apt key $2 from $1"
  fi
}

# ensure_source FILE LINE: an apt source list holding LINE (replaced only when different).
ensure_source() {
  printf '%s\n' "$2" >"$workdir/source.list"
  if ! cmp -s "$workdir/source.list" "$1"; then
    install -m 0644 -o root -g root "$workdir/source.list" "$1"
    sources_changed=yes
    echo "installed the apt source $1"
  fi
}`;
}

/** Grafana at the pinned version: the newest apt version equal to it or extending it (12.1 → 12.1.3, never 12.10.0). */
function grafanaFunctions(version: string): string {
  return String.raw`grafana_version=${shellQuote(version)}

grafana_matches() {
  case $1 in
    "$grafana_version" | "$grafana_version".* | "$grafana_version"-* | "$grafana_version"+* | "$grafana_version"~*) return 0 ;;
  esac
  return 1
}

grafana_candidates() {
  apt-cache madison grafana | awk -F'|' '{ gsub(/[[:space:]]/, "", $2); if ($2 != "") print $2 }' | sort -u
}

best_grafana_version() {
  local best="" candidate
  while read -r candidate; do
    if grafana_matches "$candidate" && { [ -z "$best" ] || dpkg --compare-versions "$candidate" gt "$best"; }; then
      best=$candidate
    fi
  done < <(grafana_candidates)
  printf '%s' "$best"
}

install_grafana() {
  local current="" version available held
  if is_installed grafana; then
    current=$(dpkg-query -W -f='${D}{Version}' grafana)
  fi
  if [ -n "$current" ] && grafana_matches "$current"; then
    echo "grafana $current is installed (pinned: $grafana_version)"
  else
    version=$(best_grafana_version)
    if [ -z "$version" ] && [ "$apt_updated" = no ]; then
      apt_update
      version=$(best_grafana_version)
    fi
    if [ -z "$version" ]; then
      available=$(grafana_candidates | sort -rV | head -n 8 | tr '\n' ' ')
      if [ -z "$available" ]; then
        available="none (is the Grafana apt source reachable?)"
      fi
      echo "no grafana version $grafana_version in the apt sources; newest available: $available" >&2
      exit 1
    fi
    # The package does not start Grafana: its admin password must be in place first.
    apt_get install --no-install-recommends --allow-downgrades --allow-change-held-packages "grafana=$version"
  fi
  held=$(apt-mark showhold)
  if ! grep -qx grafana <<<"$held"; then
    apt-mark hold grafana
  fi
}`;
}

/** Node.js for our bundles, checked at the path the units run. */
function nodeFunctions(nodeMajor: number): string {
  return String.raw`node_bin=${shellQuote(HOST_LAYOUT.node)}
node_major=${nodeMajor}

node_major_installed() {
  "$node_bin" --version 2>/dev/null | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p'
}

install_node() {
  local major
  major=$(node_major_installed || true)
  if [ -n "$major" ] && [ "$major" -ge "$node_major" ]; then
    echo "node $("$node_bin" --version) is installed (major $node_major or later needed)"
    return 0
  fi
  if [ "$apt_updated" = no ]; then
    apt_update
  fi
  apt_get install --no-install-recommends nodejs
  major=$(node_major_installed || true)
  if [ -z "$major" ] || [ "$major" -lt "$node_major" ]; then
    echo "$node_bin is $("$node_bin" --version 2>/dev/null || echo missing) after installing nodejs, but major $node_major or later is needed; apt's nodejs candidate: $(apt-cache policy nodejs | sed -n 's/^ *Candidate: //p')" >&2
    exit 1
  fi
  echo "node $("$node_bin" --version) installed"
}`;
}

export interface InstallPackagesOptions {
  /** Grafana OSS version, e.g. "12.1" or "12.1.3". */
  grafanaVersion: string;
  /** Lowest acceptable Node.js major; default 22. */
  nodeMajor?: number;
  sources?: Partial<PackageSources>;
}

/**
 * Prometheus, node_exporter, Grafana OSS (pinned and held) and Node.js (NodeSource). Grafana is installed
 * but not started: its admin password goes in first (configureGrafanaScript).
 */
export function installPackagesScript(o: InstallPackagesOptions): string {
  if (!GRAFANA_VERSION.test(o.grafanaVersion)) {
    throw new RangeError(`grafanaVersion must look like 12.1 or 12.1.3, got ${JSON.stringify(o.grafanaVersion)}`);
  }
  const nodeMajor = o.nodeMajor ?? DEFAULT_NODE_MAJOR;
  if (!Number.isInteger(nodeMajor) || nodeMajor < 1) {
    throw new RangeError(`nodeMajor must be a positive whole number, got ${nodeMajor}`);
  }
  const sources = packageSources(nodeMajor, o.sources);
  const grafanaSource = `deb [signed-by=${GRAFANA_KEYRING}] ${sources.grafanaAptUrl} stable main`;
  const nodeSource = `deb [signed-by=${NODESOURCE_KEYRING}] ${sources.nodeAptUrl} nodistro main`;
  return script(
    aptFunctions(),
    grafanaFunctions(o.grafanaVersion),
    nodeFunctions(nodeMajor),
    String.raw`
install_missing ${BASE_PACKAGES.join(" ")}
ensure_key ${shellQuote(sources.grafanaKeyUrl)} ${shellQuote(GRAFANA_KEYRING)}
ensure_source ${shellQuote(`${APT_SOURCES}/grafana.list`)} ${shellQuote(grafanaSource)}
ensure_key ${shellQuote(sources.nodeKeyUrl)} ${shellQuote(NODESOURCE_KEYRING)}
ensure_source ${shellQuote(`${APT_SOURCES}/nodesource.list`)} ${shellQuote(nodeSource)}
if [ "$sources_changed" = yes ]; then
  apt_update
fi
install_grafana
install_node`,
  );
}

const SSH_USER = /^[a-z_][a-z0-9_-]*$/;

/** The part of a path before its last slash. */
function parentDir(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * The service users (system accounts, no login shell, no home) and the directories: bundles and
 * configuration root-owned, the file_sd directory owned by the SD agent, the staging directory private to
 * the SSH user (secrets are uploaded there).
 */
export function prepareHostScript(o: { sshUser: string }): string {
  if (!SSH_USER.test(o.sshUser)) {
    throw new RangeError(`sshUser must match ${SSH_USER.source}, got ${JSON.stringify(o.sshUser)}`);
  }
  const users = Object.values(HOST_LAYOUT.services).map((service) => service.user);
  const sdUser = HOST_LAYOUT.services.sdAgent.user;
  return script(String.raw`ssh_user=${shellQuote(o.sshUser)}
if ! id -u "$ssh_user" >/dev/null 2>&1; then
  echo "the SSH user $ssh_user does not exist on this host" >&2
  exit 1
fi
ssh_group=$(id -gn "$ssh_user")

# ensure_system_user NAME: a system account with a group of its own name, no home and no login shell.
ensure_system_user() {
  if id -u "$1" >/dev/null 2>&1; then
    echo "user $1 exists"
    return 0
  fi
  if getent group "$1" >/dev/null; then
    useradd --system --gid "$1" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
  else
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"
  fi
  echo "created user $1"
}

${users.map((user) => `ensure_system_user ${shellQuote(user)}`).join("\n")}
# install -d sets mode and owner on an existing directory too.
install -d -m 0755 -o root -g root ${shellQuote(HOST_LAYOUT.bundleDir)}
install -d -m 0755 -o root -g root ${shellQuote(HOST_LAYOUT.configDir)}
install -d -m 0755 -o ${shellQuote(sdUser)} -g ${shellQuote(sdUser)} ${shellQuote(HOST_LAYOUT.sdDir)}
install -d -m 0700 -o "$ssh_user" -g "$ssh_group" ${shellQuote(HOST_LAYOUT.stagingDir)}
echo "host prepared"`);
}

/** The install_file lines for one of our programs: bundle, unit, environment (private to its user). */
function installProgramFiles(service: ServiceKey): string {
  const layout = HOST_LAYOUT.services[service];
  return [
    `install_file ${shellQuote(stagedPath(STAGED.bundle(layout.bundle)))} ${shellQuote(bundlePath(layout.bundle))} 0644 root root`,
    `install_file ${shellQuote(stagedPath(STAGED.unit(service)))} ${shellQuote(`${HOST_LAYOUT.unitDir}/${layout.unit}`)} 0644 root root`,
    `install_file ${shellQuote(stagedPath(STAGED.env(service)))} ${shellQuote(layout.envFile)} 0600 ${shellQuote(layout.user)} ${shellQuote(layout.user)}`,
  ].join("\n");
}

/**
 * Installs the SD agent or the scaler from the staged files and (re)starts it, then waits until it stays
 * active; if it does not, prints its journal and fails.
 */
export function installServiceScript(service: LongRunningService): string {
  const unit = shellQuote(HOST_LAYOUT.services[service].unit);
  const wait = SERVICE_WAIT;
  return script(`${installProgramFiles(service)}
if [ "$files_changed" = yes ]; then
  systemctl daemon-reload
fi
systemctl enable ${unit}
# Restarted only when one of its files changed or it is not running: identical files change nothing.
if [ "$files_changed" = yes ] || ! systemctl is-active --quiet ${unit}; then
  if ! systemctl restart ${unit}; then
    fail_unit ${unit} ${wait.journalLines} "did not start"
  fi
else
  echo "${HOST_LAYOUT.services[service].unit} is running and its files are unchanged: not restarted"
fi
wait_active ${unit} ${wait.limit} ${wait.settle} ${wait.journalLines}`);
}

/**
 * Puts the staged prometheus.yml in place only once promtool accepts it (a rejected file leaves the running
 * configuration alone), reloads Prometheus, and makes sure it and the host's node_exporter run.
 */
export function configurePrometheusScript(): string {
  const config = HOST_LAYOUT.prometheusConfig;
  // Beside the target, so the final mv is an atomic rename; Prometheus never reads this name.
  const candidate = `${parentDir(config)}/.exoscale-autoscaler-prometheus.yml.new`;
  const wait = PROMETHEUS_WAIT;
  return script(String.raw`config=${shellQuote(config)}
candidate=${shellQuote(candidate)}
staged=${shellQuote(stagedPath(STAGED.prometheusConfig))}
changed=yes
if cmp -s "$staged" "$config"; then
  changed=no
  echo "$config is unchanged"
else
  install -m 0644 -o root -g root "$staged" "$candidate"
  if ! promtool check config "$candidate"; then
    rm -f "$candidate"
    echo "promtool rejected the new Prometheus configuration (above); $config is unchanged" >&2
    exit 1
  fi
  mv -f "$candidate" "$config"
  echo "installed $config"
fi
systemctl enable ${PROMETHEUS_UNIT}
# Reloaded only when its configuration changed or it is not running.
if [ "$changed" = yes ] || ! systemctl is-active --quiet ${PROMETHEUS_UNIT}; then
  if ! systemctl reload-or-restart ${PROMETHEUS_UNIT}; then
    fail_unit ${PROMETHEUS_UNIT} ${wait.journalLines} "did not start"
  fi
fi
if ! systemctl enable --now ${NODE_EXPORTER_UNIT}; then
  fail_unit ${NODE_EXPORTER_UNIT} ${wait.journalLines} "did not start"
fi
wait_active ${PROMETHEUS_UNIT} ${wait.limit} ${wait.settle} ${wait.journalLines}
wait_active ${NODE_EXPORTER_UNIT} ${wait.limit} ${wait.settle} ${wait.journalLines}`);
}

/**
 * Gives Grafana its admin password (environment file and unit drop-in) before its first start, starts it,
 * then, where the grafana CLI exists, sets the same password on a database that already existed.
 */
export function configureGrafanaScript(): string {
  const wait = GRAFANA_WAIT;
  return script(String.raw`grafana_env=${shellQuote(HOST_LAYOUT.grafanaEnvFile)}
install_file ${shellQuote(stagedPath(STAGED.grafanaEnv))} "$grafana_env" 0600 root root
install -d -m 0755 -o root -g root ${shellQuote(parentDir(HOST_LAYOUT.grafanaDropIn))}
install_file ${shellQuote(stagedPath(STAGED.grafanaDropIn))} ${shellQuote(HOST_LAYOUT.grafanaDropIn)} 0644 root root
if [ "$files_changed" = yes ]; then
  systemctl daemon-reload
fi
systemctl enable ${GRAFANA_UNIT}
if ! systemctl start ${GRAFANA_UNIT}; then
  fail_unit ${GRAFANA_UNIT} ${wait.journalLines} "did not start"
fi
wait_active ${GRAFANA_UNIT} ${wait.limit} ${wait.settle} ${wait.journalLines}
if command -v grafana >/dev/null 2>&1; then
  reset_grafana_admin_password "$grafana_env"
fi`);
}

/**
 * Installs the Grafana provisioner from the staged files and runs it once: `systemctl start` of a oneshot
 * unit returns when the run is over, failing if it failed (then its journal is printed).
 */
export function runProvisionerScript(): string {
  const unit = shellQuote(HOST_LAYOUT.services.grafanaProvisioner.unit);
  return script(`${installProgramFiles("grafanaProvisioner")}
if [ "$files_changed" = yes ]; then
  systemctl daemon-reload
fi
if ! systemctl start ${unit}; then
  fail_unit ${unit} ${PROVISIONER_JOURNAL_LINES} "failed"
fi
echo "Grafana provisioned"`);
}
