import test from "ava";
import type { Instance } from "../../../lib/exoscale/types.js";
import { readTargets, renderFileSd, targetGroups, targetsOf } from "../../../services/sd-agent/render.js";

const POOL = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";
const POOL_B = "0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a";

function member(id: string, ip: string | undefined, state: Instance["state"] = "running", managerId = POOL): Instance {
  return {
    id,
    name: `pool-${id}`,
    state,
    ...(ip ? { publicIp: ip } : {}),
    createdAt: "2026-01-01T00:00:00.000Z",
    managerId,
    labels: {},
  };
}

test("only running members with a public IPv4 become targets, with pool, instance and zone labels", (t) => {
  const groups = targetGroups(
    [
      {
        poolId: POOL,
        members: [
          member("a", "198.51.100.7"),
          member("b", "198.51.100.8", "starting"),
          member("c", undefined),
          member("d", "198.51.100.9", "destroying"),
          member("e", "198.51.100.10", "running", POOL_B), // an API that ignored the manager filter
        ],
      },
    ],
    9100,
    "ch-gva-2",
  );
  t.deepEqual(groups, [
    {
      targets: ["198.51.100.7:9100"],
      labels: {
        exoscale_pool_id: POOL,
        exoscale_instance_id: "a",
        exoscale_instance_name: "pool-a",
        exoscale_zone: "ch-gva-2",
      },
    },
  ]);
  for (const name of Object.keys(groups[0]!.labels)) t.regex(name, /^[a-zA-Z_][a-zA-Z0-9_]*$/, "a valid Prometheus label name");
});

test("a public address that is not an IPv4 address is filtered: IPv6, a host name, an out-of-range or short quad", (t) => {
  const members = [
    member("v4", "198.51.100.7"),
    member("top", "255.255.255.255"),
    member("v6", "2001:db8::7"),
    member("mapped", "::ffff:198.51.100.8"),
    member("name", "pool-1.example.com"),
    member("range", "999.1.1.1"),
    member("octet", "198.51.100.256"),
    member("short", "198.51.100"),
    member("padded", " 198.51.100.9"),
  ];
  t.deepEqual(targetsOf(targetGroups([{ poolId: POOL, members }], 9100)), ["198.51.100.7:9100", "255.255.255.255:9100"]);
});

test("a member listed twice is one target, whether one pool lists it twice or two pools both do", (t) => {
  const twice = targetGroups(
    [{ poolId: POOL, members: [member("a", "10.0.0.2"), member("a", "10.0.0.2"), member("b", "10.0.0.3")] }],
    9100,
  );
  t.deepEqual(targetsOf(twice), ["10.0.0.2:9100", "10.0.0.3:9100"]);
  // Without a manager in the answer, both pools would claim it: the first pool keeps it.
  const { managerId: _none, ...unmanaged } = member("c", "10.0.0.4");
  const both = targetGroups(
    [
      { poolId: POOL, members: [unmanaged] },
      { poolId: POOL_B, members: [unmanaged] },
    ],
    9100,
  );
  t.is(both.length, 1);
  t.is(both[0]!.labels.exoscale_pool_id, POOL);
});

test("output is sorted numerically by address and identical whatever the input order", (t) => {
  const members = [member("x", "127.0.0.10"), member("y", "127.0.0.9"), member("z", "127.0.0.2")];
  const one = renderFileSd(targetGroups([{ poolId: POOL, members }], 9100));
  const other = renderFileSd(targetGroups([{ poolId: POOL, members: [...members].reverse() }], 9100));
  t.is(one, other);
  t.deepEqual(targetsOf(JSON.parse(one)), ["127.0.0.2:9100", "127.0.0.9:9100", "127.0.0.10:9100"]);
  t.true(one.endsWith("]\n"));
});

test("several pools are merged into one list; the port comes from TARGET_PORT", (t) => {
  const groups = targetGroups(
    [
      { poolId: POOL, members: [member("a", "10.0.0.2")] },
      { poolId: POOL_B, members: [member("b", "10.0.0.1", "running", POOL_B)] },
    ],
    9200,
  );
  t.deepEqual(targetsOf(groups), ["10.0.0.1:9200", "10.0.0.2:9200"]);
  t.deepEqual(
    groups.map((g) => g.labels.exoscale_pool_id),
    [POOL_B, POOL],
  );
});

test("a pool with no running members renders an empty list", (t) => {
  t.is(renderFileSd(targetGroups([{ poolId: POOL, members: [] }], 9100)), "[]\n");
  t.is(renderFileSd(targetGroups([{ poolId: POOL, members: [member("a", "10.0.0.2", "starting")] }], 9100)), "[]\n");
});

test("readTargets lists the targets of a file_sd document and refuses anything else", (t) => {
  t.deepEqual(readTargets('[{"targets":["127.0.0.2:9100","127.0.0.3:9100"],"labels":{}},{"targets":["127.0.0.4:9100"]}]'), [
    "127.0.0.2:9100",
    "127.0.0.3:9100",
    "127.0.0.4:9100",
  ]);
  t.deepEqual(readTargets("[]\n"), []);
  t.is(readTargets(""), undefined);
  t.is(readTargets("{not json"), undefined);
  t.is(readTargets('{"targets":[]}'), undefined);
  t.is(readTargets("[{}]"), undefined);
  t.is(readTargets('[{"targets":[9100]}]'), undefined);
  t.is(readTargets("[null]"), undefined);
});
