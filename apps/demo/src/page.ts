import { escapeHtml } from '@mcpauth/core/kit';
import type { ToolInfo } from './mcp/tools.js';

/** What the home page and the start-up banner show. */
export interface DemoInfo {
  provider: { name: string; title: string };
  mcpUrl: string;
  /** Metadata documents served here or by the authorization server, with a label. */
  metadata: { label: string; url: string }[];
  /** The authorization servers the protected resource metadata names. */
  authorizationServers: string[];
  tools: ToolInfo[];
  /** Provider notes (e.g. how to log in to the local IdP). */
  notes: string[];
}

/** How to connect, as [label, command] pairs: the same lines in the banner and on the page. */
export function connectCommands(info: DemoInfo): [string, string][] {
  return [
    ['MCP Inspector', `npx @modelcontextprotocol/inspector  (Transport: Streamable HTTP, URL: ${info.mcpUrl})`],
    ['CLI client', `pnpm --filter demo client ${info.mcpUrl}`],
    ['Claude Code', `claude mcp add --transport http auth-demo ${info.mcpUrl}`],
  ];
}

/** The start-up banner printed to the terminal. */
export function banner(info: DemoInfo): string {
  const pad = (s: string) => s.padEnd(24);
  const lines = [
    '',
    `MCP auth demo: ${info.provider.title} (AUTH_PROVIDER=${info.provider.name})`,
    '',
    `  ${pad('MCP endpoint')}${info.mcpUrl}`,
    `  ${pad('Home page')}${new URL('/', info.mcpUrl).href}`,
    ...info.metadata.map((m) => `  ${pad(m.label)}${m.url}`),
    ...info.authorizationServers.map((as) => `  ${pad('Authorization server')}${as}`),
    '',
    '  Tools:',
    ...info.tools.map((t) => `    ${t.name.padEnd(14)}${t.scope ? `(needs scope "${t.scope}") ` : ''}${t.description}`),
  ];
  if (info.notes.length > 0) lines.push('', '  Provider notes:', ...info.notes.map((n) => `    ${n}`));
  lines.push('', '  Connect:', ...connectCommands(info).map(([label, cmd]) => `    ${pad(label)}${cmd}`), '');
  return lines.join('\n');
}

/** The home page: the active provider, the metadata documents, the tools and how to connect. */
export function homePage(info: DemoInfo): string {
  const link = (url: string) => `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  const rows = (items: [string, string][]) => items.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MCP auth demo</title>
<style>
  :root { color-scheme: light dark; --fg: #1d2330; --muted: #5c6475; --line: #e3e6ec; --bg: #f7f8fa; --card: #fff; --accent: #3451d1; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e8eaf0; --muted: #9aa2b3; --line: #2c3240; --bg: #14171e; --card: #1b1f28; --accent: #8ea2ff; } }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  main { max-width: 860px; margin: 0 auto; padding: 40px 20px 60px; }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 32px 0 10px; }
  .lead { color: var(--muted); margin: 0; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; background: var(--accent); color: #fff; font-size: 13px; vertical-align: middle; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 6px 18px; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; vertical-align: top; padding: 10px 0; border-bottom: 1px solid var(--line); }
  tr:last-child th, tr:last-child td { border-bottom: 0; }
  th { width: 210px; font-weight: 600; padding-right: 16px; }
  code, td { overflow-wrap: anywhere; }
  code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 2px 6px; border-radius: 5px; }
  a { color: var(--accent); }
  .scope { color: var(--muted); font-size: 13px; }
  ul { margin: 10px 0; padding-left: 20px; }
</style>
</head>
<body>
<main>
  <h1>MCP auth demo <span class="badge">${escapeHtml(info.provider.name)}</span></h1>
  <p class="lead">An MCP server (Streamable HTTP) protected by ${escapeHtml(info.provider.title)}.</p>

  <h2>Endpoint</h2>
  <section><table>${rows([
    ['MCP endpoint', `<code>${escapeHtml(info.mcpUrl)}</code>`],
    ...info.metadata.map((m): [string, string] => [m.label, link(m.url)]),
    ...info.authorizationServers.map((as): [string, string] => ['Authorization server', link(as)]),
  ])}</table></section>

  <h2>Tools</h2>
  <section><table>${rows(
    info.tools.map((t): [string, string] => [
      t.name,
      `${escapeHtml(t.description)}${t.scope ? `<br><span class="scope">needs scope <code>${escapeHtml(t.scope)}</code></span>` : ''}`,
    ]),
  )}</table></section>
${info.notes.length > 0 ? `\n  <h2>Provider notes</h2>\n  <section><ul>${info.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>\n` : ''}
  <h2>Connect</h2>
  <section><table>${rows(connectCommands(info).map(([label, cmd]): [string, string] => [label, `<code>${escapeHtml(cmd)}</code>`]))}</table></section>
</main>
</body>
</html>
`;
}
