// Every seed scenario through real Caddy (forward_auth to the authz-server's HTTP mode).
import { scenarioSuite } from "./support/scenario-suite.ts";

scenarioSuite("caddy", "seed scenarios through real Caddy (forward_auth, HTTP mode)");
