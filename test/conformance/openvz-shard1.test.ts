// Conformance of the OpenVZ design (external initiator, in-kernel restart, cpt image), shard 1 of 4
// (the shards let vitest spread the workloads over the machine's cores).
import { conformanceSuite } from "./suite.ts";

conformanceSuite({ initiator: "external", creator: "kernel", codec: "cpt" }, { index: 0, count: 4 });
