import { performance } from 'node:perf_hooks';

import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

import { QUERIER_METHODS } from '../queries.gen.js';
import type { Querier } from '../queries.gen.js';
import type { Store, TxOptions } from '../store.js';

export interface DbMetricsOptions {
  /** Where the metrics are registered (never the global registry implicitly). */
  registry: Registry;
  /**
   * Per-query latency histogram `coderd_db_query_latencies_seconds{query}`.
   * Default: `CODER_PROMETHEUS_COLLECT_DB_METRICS=true` in the environment.
   */
  queryLatencies?: boolean;
}

/** Metric names, as coderd exports them. */
export const DB_METRIC_NAMES = {
  txExecutions: 'coderd_db_tx_executions_count',
  txDuration: 'coderd_db_tx_duration_seconds',
  queryLatencies: 'coderd_db_query_latencies_seconds',
} as const;

interface Metrics {
  txExecutions: Counter<'success' | 'retries' | 'tx_id'>;
  txDuration: Histogram<'success' | 'tx_id'>;
  queryLatencies: Histogram<'query'> | undefined;
}

const metricsByRegistry = new WeakMap<Registry, Metrics>();

/**
 * Transaction metrics, always: `coderd_db_tx_executions_count{success,retries,tx_id}`
 * (one per `inTx` call; `retries` = attempts - 1) and
 * `coderd_db_tx_duration_seconds{success,tx_id}`; an empty tx id is reported
 * as `unlabeled`. Per-query latency only when opted in (it costs a histogram
 * observation per query): `coderd_db_query_latencies_seconds{query}`.
 *
 * @example
 * const registry = new Registry();
 * const store = withDbMetrics(inner, { registry, queryLatencies: true });
 * console.log(await registry.metrics());
 */
export function withDbMetrics(inner: Store, options: DbMetricsOptions): Store {
  const queryLatencies = options.queryLatencies ?? process.env.CODER_PROMETHEUS_COLLECT_DB_METRICS === 'true';
  const metrics = registerMetrics(options.registry, queryLatencies);
  return metricsStore(inner, metrics, false);
}

function registerMetrics(registry: Registry, queryLatencies: boolean): Metrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    metrics = {
      txExecutions: new Counter({
        name: DB_METRIC_NAMES.txExecutions,
        help: 'Total transactions run, by success, number of serialization retries and tx id.',
        labelNames: ['success', 'retries', 'tx_id'],
        registers: [registry],
      }),
      txDuration: new Histogram({
        name: DB_METRIC_NAMES.txDuration,
        help: 'Duration of transactions, retries included, in seconds.',
        labelNames: ['success', 'tx_id'],
        registers: [registry],
      }),
      queryLatencies: undefined,
    };
    metricsByRegistry.set(registry, metrics);
  }
  if (queryLatencies && !metrics.queryLatencies) {
    metrics.queryLatencies = new Histogram({
      name: DB_METRIC_NAMES.queryLatencies,
      help: 'Latency of each query, in seconds.',
      labelNames: ['query'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers: [registry],
    });
  }
  return queryLatencies ? metrics : { ...metrics, queryLatencies: undefined };
}

function metricsStore(inner: Store, metrics: Metrics, inTransaction: boolean): Store {
  const store: Store = {
    ...inner,
    async inTx(fn, options: TxOptions = {}) {
      // A nested inTx joins the outer transaction: counted once, by the outer call.
      if (inTransaction) return inner.inTx((tx) => fn(metricsStore(tx, metrics, true)), options);
      const txId = options.txId || 'unlabeled';
      let attempts = 0;
      const started = performance.now();
      let success = false;
      try {
        const result = await inner.inTx((tx) => fn(metricsStore(tx, metrics, true)), {
          ...options,
          onAttempt: (attempt) => {
            attempts = attempt;
            options.onAttempt?.(attempt);
          },
        });
        success = true;
        return result;
      } finally {
        const labels = { success: String(success), tx_id: txId };
        metrics.txExecutions.inc({ ...labels, retries: String(Math.max(0, attempts - 1)) });
        metrics.txDuration.observe(labels, (performance.now() - started) / 1000);
      }
    },
  };
  const latencies = metrics.queryLatencies;
  if (latencies) {
    const timed = store as unknown as Record<string, (params: unknown) => Promise<unknown>>;
    for (const method of QUERIER_METHODS) {
      const call = (inner as unknown as Querier as unknown as Record<string, (params: unknown) => Promise<unknown>>)[method]!;
      timed[method] = async (params: unknown) => {
        const end = latencies.startTimer({ query: method });
        try {
          return await call(params);
        } finally {
          end();
        }
      };
    }
  }
  return store;
}
