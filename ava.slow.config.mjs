// The long end-to-end runs, kept out of `npm test`: `npm run test:slow` (CI runs it as its own step).
export default {
  extensions: { ts: "module" },
  nodeArguments: ["--import=tsx"],
  files: ["test/slow/**/*.test.ts"],
  workerThreads: false,
  concurrency: 1,
  timeout: "10m",
  // test/slow/rehearsal.test.ts runs only here (npm test's glob reaches test/slow too, with a 60 s timeout).
  environmentVariables: { EXOSCALE_AUTOSCALER_SLOW_TESTS: "1" },
};
