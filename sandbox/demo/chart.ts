/**
 * The run's chart: load, the pool's average CPU and its size over time, as one Vega-Lite spec (pure)
 * rendered to SVG by Vega, headless (no canvas, no browser).
 */
import type { Sample } from "./timeline.js";

export interface ChartThresholds {
  upCpuPercent: number;
  downCpuPercent: number;
}

type Row = { t: number; series: string; value: number; axis: "percent" | "count" };

function rows(samples: readonly Sample[]): Row[] {
  return samples.flatMap((s) => [
    ...(s.cpu !== undefined ? [{ t: s.t, series: "average CPU (%)", value: s.cpu, axis: "percent" as const }] : []),
    { t: s.t, series: "load (concurrent requests)", value: s.load, axis: "count" as const },
    { t: s.t, series: "pool size", value: s.poolSize, axis: "count" as const },
    { t: s.t, series: "ready members", value: s.ready, axis: "count" as const },
  ]);
}

/** Two panels sharing the time axis: CPU with its thresholds above, load and pool size below. */
export function chartSpec(samples: readonly Sample[], thresholds: ChartThresholds): Record<string, unknown> {
  const data = rows(samples);
  const x = { field: "t", type: "quantitative", title: "seconds since the load started" };
  const color = { field: "series", type: "nominal", title: null, legend: { labelLimit: 400, orient: "bottom" } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "exoscale-autoscaler sandbox run",
    vconcat: [
      {
        width: 720,
        height: 220,
        layer: [
          {
            data: { values: data.filter((r) => r.axis === "percent") },
            mark: { type: "line", interpolate: "step-after" },
            encoding: { x, y: { field: "value", type: "quantitative", title: "CPU %", scale: { domain: [0, 100] } }, color },
          },
          {
            data: {
              values: [
                { y: thresholds.upCpuPercent, label: `scale up above ${thresholds.upCpuPercent} %` },
                { y: thresholds.downCpuPercent, label: `scale down below ${thresholds.downCpuPercent} %` },
              ],
            },
            mark: { type: "rule", strokeDash: [4, 4], color: "gray" },
            encoding: { y: { field: "y", type: "quantitative" } },
          },
        ],
      },
      {
        width: 720,
        height: 180,
        data: { values: data.filter((r) => r.axis === "count") },
        mark: { type: "line", interpolate: "step-after" },
        encoding: { x, y: { field: "value", type: "quantitative", title: "members / requests" }, color },
      },
    ],
  };
}

export async function renderChartSvg(samples: readonly Sample[], thresholds: ChartThresholds): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(chartSpec(samples, thresholds) as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
