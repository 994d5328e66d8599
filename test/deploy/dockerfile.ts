/**
 * Just enough of a Dockerfile parser for policy checks: line continuations, comments, stages,
 * ARG defaults and exec-form (JSON) arguments, following the Dockerfile reference.
 */

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  args: string;
  line: number;
}

export interface Stage {
  /** Base image as written (may contain ${ARG}). */
  from: string;
  /** Base image with global ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current: { parts: string[]; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines (and parser directives) are removed, even inside a continuation.
    if (trimmed.startsWith('#')) return;
    if (current === undefined && trimmed === '') return;
    const continues = /\\\s*$/.test(raw);
    const content = continues ? raw.replace(/\\\s*$/, '') : raw;
    if (current === undefined) current = { parts: [], line: index + 1 };
    current.parts.push(content.trim());
    if (!continues) {
      const joined = current.parts.filter((p) => p !== '').join(' ');
      const match = /^(\S+)\s*(.*)$/.exec(joined);
      if (match) {
        instructions.push({ keyword: match[1].toUpperCase(), args: match[2], line: current.line });
      }
      current = undefined;
    }
  });
  if (current !== undefined) throw new Error('Dockerfile ends inside a line continuation');

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const [from, as, name] = words;
      if (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined)) {
        throw new Error(`line ${ins.line}: malformed FROM`);
      }
      stages.push({ from, image: substitute(from, globalArgs), name, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before FROM`);
      const [key, value] = splitArg(ins.args);
      if (value !== undefined) globalArgs[key] = value;
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

function splitArg(args: string): [string, string | undefined] {
  const eq = args.indexOf('=');
  if (eq < 0) return [args.trim(), undefined];
  return [args.slice(0, eq).trim(), unquote(args.slice(eq + 1).trim())];
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a, b) => {
    const name = (a ?? b) as string;
    if (!(name in vars)) throw new Error(`ARG ${name} has no default`);
    return vars[name];
  });
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
export function execForm(ins: Instruction): string[] | undefined {
  if (!ins.args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(ins.args);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`line ${ins.line}: exec form must be a JSON array of strings`);
  }
  return parsed;
}

/** ENV instructions as key/value pairs (`ENV A=1 B=2` and the legacy `ENV A 1`). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    if (!ins.args.includes('=')) {
      const [key, ...rest] = ins.args.split(/\s+/);
      env[key] = rest.join(' ');
      continue;
    }
    const pairs = ins.args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)/g) ?? [];
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = unquote(pair.slice(eq + 1));
    }
  }
  return env;
}

/** Words of a shell-form or exec-form COPY, flags separated from sources and destination. */
export function copyOf(ins: Instruction): {
  flags: Record<string, string>;
  sources: string[];
  dest: string;
} {
  const words = execForm(ins) ?? ins.args.split(/\s+/).filter((w) => w !== '');
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (const w of words) {
    const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(w);
    if (flag && rest.length === 0) flags[flag[1]] = flag[2] ?? 'true';
    else rest.push(w);
  }
  if (rest.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return { flags, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}
