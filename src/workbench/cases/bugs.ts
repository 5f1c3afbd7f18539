// The deliberate bugs the review cases switch on, by the names core/cr/bugs.ts declares (where
// the C/R code reads them). Re-exported here under the workbench's names for the cases, the
// config schema and the CLI.
export { BUG_HELP, BUG_SWITCHES as BUGS, type BugSwitch as BugName } from "../../core/cr/bugs.ts";
