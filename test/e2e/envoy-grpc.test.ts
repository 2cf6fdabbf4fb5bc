// Every seed scenario through the gRPC API: Envoy-shaped CheckRequests encoded with Envoy's own
// protos, and the CheckResponse applied as Envoy applies it (test/e2e/support/envoy-like.ts is
// a stand-in for Envoy, which cannot be installed where these tests run).
import { scenarioSuite } from "./support/scenario-suite.ts";

scenarioSuite("envoy", "seed scenarios through the gRPC API, applied as Envoy does (stand-in)");
