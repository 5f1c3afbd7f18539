// Loadable kernel modules (Linux kernel/module/main.c, condensed). A module here is TypeScript,
// taken by name from the machine's module catalogue (we do not load ELF kernel modules); what
// matters is its lifecycle and reference count, because that is what the C/R reviewers argued
// about: try_module_get fails once a module is going, module_put below zero is a bug, and after
// unload the module's code is gone — any call into it is an oops, never undefined behaviour.
import { KObject, type KObjectRegistry } from "./kref.ts";
import type { Kernel } from "./kernel.ts";

export type ModuleState = "coming" | "live" | "going" | "gone";

export interface ModuleDef {
  name: string;
  /** module_init: 0 or -errno (a failed init unloads the module). */
  init(k: Kernel, mod: Module): number;
  /** module_exit: unregister what init registered, stop its kthreads. */
  exit(k: Kernel, mod: Module): void;
}

export class Module extends KObject {
  state: ModuleState = "coming";
  /** Users holding the module (try_module_get / __module_get). */
  refs = 0;

  constructor(
    registry: KObjectRegistry,
    readonly def: ModuleDef,
  ) {
    super(registry, "module", `load of ${def.name}`);
  }

  get name(): string {
    return this.def.name;
  }
}

export const EWOULDBLOCK = 11;

export class Modules {
  /** Modules that can be loaded, by name (the machine's "/lib/modules"). */
  readonly catalogue = new Map<string, ModuleDef>();
  readonly loaded = new Map<string, Module>();

  constructor(private readonly k: Kernel) {}

  /** init_module: load and initialise. Returns 0 or -errno. */
  load(name: string): number {
    const def = this.catalogue.get(name);
    if (def === undefined) return -2; // ENOENT
    if (this.loaded.has(name)) return -17; // EEXIST
    const mod = new Module(this.k.kobj, def);
    this.loaded.set(name, mod);
    const err = def.init(this.k, mod);
    if (err < 0) {
      mod.state = "gone";
      this.loaded.delete(name);
      this.k.kobj.put(mod);
      return err;
    }
    mod.state = "live";
    return 0;
  }

  /**
   * delete_module. A module in use is refused with EWOULDBLOCK (Linux since 3.13 no longer waits,
   * whatever O_NONBLOCK says); one that is still coming or already going with EBUSY.
   */
  unload(name: string): number {
    const mod = this.loaded.get(name);
    if (mod === undefined) return -2; // ENOENT
    if (mod.state !== "live") return -16; // EBUSY
    if (mod.refs !== 0) return -EWOULDBLOCK;
    mod.state = "going";
    mod.def.exit(this.k, mod);
    mod.state = "gone";
    this.loaded.delete(name);
    this.k.kobj.put(mod);
    return 0;
  }

  /** try_module_get: fails (false) once the module is going or gone. */
  tryGet(mod: Module): boolean {
    if (mod.state !== "live" && mod.state !== "coming") return false;
    mod.refs++;
    return true;
  }

  /** __module_get: take a reference the caller knows is safe (it already holds one). */
  get(mod: Module): void {
    if (!this.checkText(mod, "__module_get")) return;
    mod.refs++;
  }

  /** module_put: a put below zero is an oops. */
  put(mod: Module, what = "module_put"): void {
    if (mod.refs <= 0) {
      this.k.oopses.oops("refcount-underflow", `${what}: module ${mod.name} has refcount 0 (a put without a get)`, {
        objectType: "module", objectId: mod.kobjId, createdAt: mod.createdAt,
      });
      return;
    }
    mod.refs--;
  }

  /** Before running module code: false (and an oops) if the module's text is gone. */
  checkText(mod: Module, what: string): boolean {
    if (mod.state !== "gone") return true;
    this.k.oopses.oops("freed-module-text", `${what}: executing freed module text of ${mod.name}`, {
      objectType: "module", objectId: mod.kobjId, createdAt: mod.createdAt,
    });
    return false;
  }

  /** /proc/modules lines: "name size refcount deps state address". */
  procModules(): string {
    let out = "";
    for (const m of this.loaded.values()) {
      const state = m.state === "live" ? "Live" : m.state === "coming" ? "Loading" : "Unloading";
      out += `${m.name} 16384 ${m.refs} - ${state} 0x00000000\n`;
    }
    return out;
  }
}
