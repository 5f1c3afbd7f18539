import { CptbenchError } from "../machine/errors.ts";

/** A bad flag, a missing file: the user's to fix. Exit status 2. */
export class CliError extends CptbenchError {}
