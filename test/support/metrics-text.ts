// Reading what a /metrics endpoint answers (the Prometheus text exposition format) in tests.

/**
 * The value of one series, named as the exposition prints it: `name` for an unlabelled one,
 * `name{a="x",b="y"}` with the labels in the order they are printed. Undefined when absent.
 */
export function sampleValue(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
