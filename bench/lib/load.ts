import autocannon from 'autocannon';

// One measurement: a warm-up run whose numbers are dropped, then the measured run, both with autocannon as a
// library. Latency percentiles come from every response's own time (autocannon's histogram keeps whole
// milliseconds, too coarse for a 1 ms p50), over every status, not only 2xx.

export type Load = {
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of warm-up before, not measured. */
  warmup: number;
};

export type Measurement = {
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  responses: number;
  /** 2xx answers per second: for writes, the committed ones. */
  okPerSecond: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Mean response body size in bytes. */
  meanBytes: number;
  seconds: number;
};

/** A fresh set of requests for each run, so that per-run state (counters, pools) starts again. */
export type Workload = () => autocannon.Request[];

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] as number;
}

async function run(
  url: string | string[],
  requests: autocannon.Request[],
  connections: number,
  duration: number,
) {
  const latencies: number[] = [];
  let bytes = 0;
  const instance = autocannon({ url, connections, duration, requests, timeout: 10 });
  instance.on('response', (_client: unknown, _status: number, responseBytes: number, ms: number) => {
    latencies.push(ms);
    bytes += responseBytes;
  });
  const result = await instance;
  return { result, latencies, bytes };
}

/**
 * Measures `workload` against `url`, or against several instances' URLs, the connections spread over them
 * (autocannon's own round robin; best with a number of connections that is a multiple of the URLs).
 */
export async function measure(url: string | string[], workload: Workload, load: Load): Promise<Measurement> {
  if (load.warmup > 0) await run(url, workload(), load.connections, load.warmup);
  const { result, latencies, bytes } = await run(url, workload(), load.connections, load.duration);
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  const seconds = result.duration || load.duration;
  return {
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    responses: latencies.length,
    okPerSecond: result['2xx'] / seconds,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    meanBytes: latencies.length > 0 ? bytes / latencies.length : 0,
    seconds,
  };
}

/** A GET workload cycling through the paths, in order, shared by all connections. */
export function cycling(paths: readonly string[], headers: Record<string, string> = {}): Workload {
  if (paths.length === 0) throw new Error('a workload needs at least one path');
  return () => {
    let next = 0;
    return [
      {
        method: 'GET',
        headers,
        setupRequest: (request) => {
          request.path = paths[next % paths.length] as string;
          next += 1;
          return request;
        },
      },
    ];
  };
}
