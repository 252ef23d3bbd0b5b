export { acquireLease } from "./acquire-lease";
export { MaintenanceLoop, type MaintenanceTask } from "./maintenance-loop";
export { reconcileBuilds, type ReconcileDeps } from "./reconcile-builds";
export { reconcilePublishes } from "./reconcile-publishes";
