/** Test helpers for the fake Grafana, shared by its own tests, the provisioner's and the end-to-end test. */
import type { ExecutionContext } from "ava";
import { startFakeGrafana, type FakeGrafana, type FakeGrafanaOptions } from "../../../sandbox/grafana/server.js";

export const ADMIN_PASSWORD = "fake-admin-pw";

/** A fake Grafana on loopback (free port) that closes when the test ends. */
export async function startTestGrafana(t: ExecutionContext, options: Partial<FakeGrafanaOptions> = {}): Promise<FakeGrafana> {
  const fake = await startFakeGrafana({ adminPassword: ADMIN_PASSWORD, host: "127.0.0.1", port: 0, ...options });
  t.teardown(() => fake.close());
  return fake;
}

export interface Answer {
  status: number;
  body: unknown;
}

/** A raw request as a user (or a test) would make it: Basic auth as admin unless `password` says otherwise. */
export async function grafanaRequest(
  fake: FakeGrafana,
  method: string,
  path: string,
  body?: unknown,
  options: { password?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const password = options.password === undefined ? ADMIN_PASSWORD : options.password;
  if (password !== null) headers["authorization"] = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}
