/**
 * Typed errors of the Grafana client. Each message is one line that names the cause and the setting to
 * look at: the provisioner prints it as it is and exits 1, and whoever runs it (a remote command, an
 * operator) should not need the source to act.
 */

export type GrafanaErrorKind = "auth" | "forbidden" | "unreachable" | "network" | "timeout" | "server" | "request" | "response" | "stopped";

export class GrafanaError extends Error {
  constructor(
    message: string,
    readonly kind: GrafanaErrorKind,
    readonly status?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}

/** 401: the password (or user) is wrong. */
export class GrafanaAuthError extends GrafanaError {
  constructor(user: string, url: string) {
    super(
      `Grafana refused the credentials for GRAFANA_USER "${user}" at ${url} (401 Unauthorized): check GRAFANA_PASSWORD; ` +
        `Grafana applies GF_SECURITY_ADMIN_PASSWORD only on its first start with a fresh database ` +
        `(reset it with: grafana cli admin reset-admin-password)`,
      "auth",
      401,
    );
  }
}

/** 403: the user exists but may not do this. */
export class GrafanaForbiddenError extends GrafanaError {
  constructor(user: string, what: string, grafanaMessage: string | undefined) {
    super(
      `Grafana does not allow GRAFANA_USER "${user}" to ${what} (403 Forbidden)${grafanaMessage ? `: ${grafanaMessage}` : ""}; ` +
        `use an organisation admin (the default admin user is one)`,
      "forbidden",
      403,
    );
  }
}

/** /api/health never reported a working database within GRAFANA_WAIT_SECONDS. */
export class GrafanaUnreachableError extends GrafanaError {
  constructor(url: string, waitedMs: number, lastProblem: string) {
    super(
      `Grafana at ${url} was not ready within ${Math.round(waitedMs / 1000)} s (GRAFANA_WAIT_SECONDS); the last probe of ` +
        `${url}/api/health got: ${lastProblem}. Check that grafana-server is running and that GRAFANA_URL points at it`,
      "unreachable",
    );
  }
}

/** A request got no answer at all after Grafana had been up. */
export class GrafanaNetworkError extends GrafanaError {
  constructor(url: string, what: string, reason: string, cause: unknown) {
    super(
      `cannot reach Grafana at ${url} to ${what} (${reason}) after retries: check GRAFANA_URL and that Grafana is running`,
      "network",
      undefined,
      cause,
    );
  }
}

export class GrafanaTimeoutError extends GrafanaError {
  constructor(url: string, what: string, timeoutMs: number, cause: unknown) {
    super(`Grafana at ${url} did not answer within ${timeoutMs / 1000} s to ${what}, after retries`, "timeout", undefined, cause);
  }
}

/** 5xx after every retry was spent. */
export class GrafanaServerError extends GrafanaError {
  constructor(what: string, status: number, grafanaMessage: string | undefined) {
    super(
      `Grafana failed to ${what} with ${status}${grafanaMessage ? ` (${grafanaMessage})` : ""} after retries; run the provisioner again later`,
      "server",
      status,
    );
  }
}

/** Any other 4xx: Grafana refused this object; its own message says why. */
export class GrafanaRequestError extends GrafanaError {
  constructor(what: string, status: number, grafanaMessage: string | undefined, hint?: string) {
    super(
      `Grafana refused to ${what} (${status})${grafanaMessage ? `: ${grafanaMessage}` : ""}${hint ? `; ${hint}` : ""}`,
      "request",
      status,
    );
  }
}

/** A 2xx whose body is not what the API promises. */
export class GrafanaResponseError extends GrafanaError {
  constructor(what: string, detail: string) {
    super(`Grafana's answer to ${what} is not what its API describes: ${detail}`, "response");
  }
}

/** SIGTERM/SIGINT cut a request short. */
export class GrafanaStoppedError extends GrafanaError {
  constructor(what: string) {
    super(`stopped before Grafana answered the request to ${what}`, "stopped");
  }
}
