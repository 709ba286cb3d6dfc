import test from "ava";
import { createServer } from "node:http";
import { Registry } from "prom-client";
import { ConfigError } from "../../../lib/shared/env.js";
import { closeServer, listen } from "../../../lib/shared/http.js";
import { startMetricsServer } from "../../../lib/shared/metricsServer.js";

test("with the variables named, a taken port is a ConfigError naming the caller's port variable", async (t) => {
  const taken = createServer();
  const { port } = await listen(taken, 0, "127.0.0.1");
  t.teardown(() => closeServer(taken));
  const registry = new Registry();
  const error = await t.throwsAsync(
    startMetricsServer({ registry, port, host: "127.0.0.1", variables: { portVariable: "SCALER_PORT", hostVariable: "SCALER_HOST" } }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(error.problems, [`SCALER_PORT ${port} is already in use on 127.0.0.1: choose another port (0 picks a free one)`]);
  const hostError = await t.throwsAsync(
    startMetricsServer({ registry, port: 0, host: "192.0.2.1", variables: { portVariable: "SCALER_PORT", hostVariable: "SCALER_HOST" } }),
    { instanceOf: ConfigError },
  );
  t.regex(hostError.message, /SCALER_HOST "192\.0\.2\.1" cannot be listened on \(EADDRNOTAVAIL\)/);
});

test("without variable names, bind errors stay the plain node errors", async (t) => {
  const taken = createServer();
  const { port } = await listen(taken, 0, "127.0.0.1");
  t.teardown(() => closeServer(taken));
  const error = await t.throwsAsync(startMetricsServer({ registry: new Registry(), port, host: "127.0.0.1" }));
  t.false(error instanceof ConfigError);
  t.is((error as NodeJS.ErrnoException).code, "EADDRINUSE");
});

test("serves the registry on /metrics and ok on /health; the default host is 127.0.0.1", async (t) => {
  const server = await startMetricsServer({ registry: new Registry(), port: 0 });
  t.teardown(() => server.close());
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is((await fetch(`${server.url}/metrics`)).status, 200);
  t.is(await (await fetch(`${server.url}/health`)).text(), "ok\n");
});
