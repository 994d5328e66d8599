/** Where the CLI writes; `isTTY` chooses the default output format. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Everything the CLI takes from its process. main.ts wires the real one; tests pass fakes, so
 * commands never touch `process` themselves.
 */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Whether a person can answer a question on stdin. */
  stdinIsTTY: boolean;
  readStdin(): Promise<string>;
  /** Asks a yes/no question on the terminal; false unless the answer is yes. */
  confirm(question: string): Promise<boolean>;
  /** Milliseconds since the epoch; injectable so tests can expire cached tokens. */
  now(): number;
}
