// Conformance of every registered design (initiator × creator × codec), workloads of shard 8 of 8
// (the shards let vitest spread the workloads over the machine's cores, and CI over its jobs).
import { conformanceSuite } from "./suite.ts";

conformanceSuite({ index: 7, count: 8 });
