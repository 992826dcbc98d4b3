import type { LogFields, Logger } from '../../src/index.js';

export interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** A logger that keeps every line, as `console` would receive them. */
export function capturingLogger(): Logger & { lines: Line[]; events(event: string): Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Line['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    events: (event) => lines.filter((l) => l.fields?.event === event),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

/** Every logged line, serialized, that contains one of `secrets` (with which one), for a readable failure. */
export function leaks(lines: readonly Line[], secrets: readonly (string | undefined)[]): string[] {
  const found: string[] = [];
  for (const line of lines) {
    const text = `${line.message} ${JSON.stringify(line.fields)}`;
    for (const secret of secrets) {
      if (secret && secret.length >= 8 && text.includes(secret)) found.push(`${secret.slice(0, 6)}… in ${text}`);
    }
  }
  return found;
}
