// Host-side failures (bad ELF, bad config, bad image, bad CLI flag) are CptbenchError
// subclasses: a stable `code` a program can test, and a message a user can act on. The CLI
// prints the message, never a stack trace. Guest-visible failures are -errno results instead.
export class CptbenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
