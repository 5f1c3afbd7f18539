// Types for keep-names-hook.mjs (a plain module: node loads it as a loader hook, before tsx).
import type { LoadHook } from "node:module";

/** The source with each `static{__name(this,"X")}` of a class declared `class X` blanked, same length. */
export function blankKeepNames(source: string): string;

export const load: LoadHook;
