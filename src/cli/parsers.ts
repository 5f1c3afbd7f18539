// Option-value parsers shared by the commands.
import { InvalidArgumentError } from "commander";

/** An integer flag value of at least `min`, or commander's usage error naming the flag. */
export function intParser(flag: string, min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min) {
      throw new InvalidArgumentError(`${flag} must be ${min > 0 ? "a positive" : "a non-negative"} integer, got "${v}"`);
    }
    return Number(v);
  };
}
