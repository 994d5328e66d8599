import { createInterface } from 'node:readline/promises';
import type { CliIo } from './cli-io';
import { run } from './cli';

/**
 * The `latchkey` process (bin/latchkey.js, dist/apps/cli/main.js): the real stdin, stdout,
 * stderr, environment and clock around `run`, and its answer as the exit code.
 */
const io: CliIo = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: process.stdin.isTTY === true,
  readStdin,
  confirm,
  now: () => Date.now(),
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function confirm(question: string): Promise<boolean> {
  // The question goes to stderr: stdout may be a pipe a script reads.
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

// `latchkey clients list | head`: the reader went away, which is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

void run(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
