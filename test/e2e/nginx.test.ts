// Every seed scenario through real nginx (auth_request to the authz-server's HTTP mode).
import { scenarioSuite } from "./support/scenario-suite.ts";

scenarioSuite("nginx", "seed scenarios through real nginx (auth_request, HTTP mode)");
