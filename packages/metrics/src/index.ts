export { createFarmMetrics, type FarmMetricsDeps } from "./farm-metrics";
