// An experiment file as a JavaScript module: useful when the matrix is computed. This one runs
// the OpenVZ design with the original left running ("continue") on every thread workload,
// restarted in both the same and a fresh machine, over five seeds, three times each for wall-time
// spread. JSON has no comments, so this file also documents what each key means.
//
// cosmiconfig finds a file with this name in the directory you run cptbench from (or a parent,
// up to the one holding package.json); from elsewhere name it: cptbench --config configs/cptbench.config.mjs
//
// `plugins: ["./plugins/my-codec.mjs"]` would add plugins from files (paths relative to this
// file); such a file default-exports a manifest:
//   { name, description, binds: [{ axis: "codec", name: "mine" }], options: z.strictObject({...}),
//     register(container, options, axes) { if (axes.includes("codec")) container.register("ImageCodec", { useClass: MyCodec }); } }
const threaded = ["threads", "futex-pc", "thread-signals"];

export default {
  initiator: "external", // who checkpoints: a controller outside the container
  creator: "kernel", // who recreates the tasks: sys_restart, inside the kernel
  codec: "cpt", // the image format
  workloads: threaded,
  points: "marked",
  modes: ["continue"], // thaw the original after the dump and let it finish too
  targets: ["same", "fresh"],
  seeds: [1, 2, 3, 4, 5].map((s) => s * 1000),
  cpus: 2, // two harts: threads really run in parallel
  repetitions: 3,
};
