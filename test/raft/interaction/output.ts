import type { Logger, LogFn, NodeId } from '../../../src/core/index.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The text a command produces. Harness lines (Ready summaries, messages) and log lines are shown
 * unless the level is `none`, which silences everything but errors (etcd's rafttest does the same:
 * `log-level none` keeps set-up steps quiet).
 */
export class Output {
  private lines: string[] = [];
  private indent = '';
  level: LogLevel = 'info';

  /** A line of harness output (Ready, messages, status). */
  write(line: string): void {
    if (this.level !== 'none') this.lines.push(this.indent + line);
  }

  /** A log line at `level`, shown if the current level lets it through. */
  log(level: Exclude<LogLevel, 'none'>, line: string): void {
    if (LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level)) this.lines.push(this.indent + line);
  }

  /** Always shown: a failed command, an exception thrown by the core. */
  error(line: string): void {
    this.lines.push(this.indent + line);
  }

  withIndent(fn: () => void): void {
    const saved = this.indent;
    this.indent += '  ';
    try {
      fn();
    } finally {
      this.indent = saved;
    }
  }

  /** What was written since the last take(); `ok` if nothing (etcd's convention). */
  take(): string {
    const text = this.lines.length === 0 ? 'ok' : this.lines.join('\n');
    this.lines = [];
    return text;
  }
}

/** A core Logger whose lines land in the output: `INFO 2 raft: restored snapshot index=11 term=2`. */
export function nodeLogger(out: Output, id: NodeId): Logger {
  const fn = (level: Exclude<LogLevel, 'none'>): LogFn =>
    ((objOrMsg: object | string, msg?: string): void => {
      const text = typeof objOrMsg === 'string' ? objOrMsg : `${msg ?? ''}${describeFields(objOrMsg)}`;
      out.log(level, `${level.toUpperCase()} ${id} ${text}`);
    }) as LogFn;
  const logger: Logger = { debug: fn('debug'), info: fn('info'), warn: fn('warn'), error: fn('error'), child: () => logger };
  return logger;
}

function describeFields(obj: object): string {
  return Object.entries(obj)
    .map(([k, v]) => ` ${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('');
}
