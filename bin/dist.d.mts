// Types of bin/dist.mjs for the TypeScript that imports it (bench/suites-cli.ts, test/cli/dist.test.ts).
export declare const ROOT: string;
export declare const DIST: string;
export declare const STAMP: string;
export declare function distIsFresh(root?: string): boolean;
