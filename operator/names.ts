// Names the operator and the data plane agree on. Changing one is a breaking change for
// every installed authz-server, so they live in one place.

// The plan ConfigMap's name and key live with the plan's wire form, api/plan/codec.ts.
/** Its presence in the operator's namespace halts every experiment. */
export const HALT_CONFIGMAP = "token-chaos-halt";
/** coordination.k8s.io/v1 Lease used for leader election. */
export const LEASE_NAME = "token-chaos-operator";
/** Controller name for metrics labels and events.k8s.io reportingController. */
export const CONTROLLER_NAME = "tokenchaosexperiment";
export const REPORTING_CONTROLLER = "tokenchaos.dev/operator";
/** Field manager for every write, so managedFields show who owns what. */
export const FIELD_MANAGER = "token-chaos-operator";
/** Annotation on the plan ConfigMap mirroring the plan version, readable without decoding. */
export const PLAN_VERSION_ANNOTATION = "tokenchaos.dev/plan-version";
export const PLAN_EXPERIMENTS_ANNOTATION = "tokenchaos.dev/plan-experiments";
/** Default namespace of the operator when neither a flag nor the pod's namespace says otherwise. */
export const DEFAULT_OPERATOR_NAMESPACE = "token-chaos-system";
