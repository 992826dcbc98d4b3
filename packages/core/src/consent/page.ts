import { isClientIdMetadataUrl } from '../authorization-server/cimd.js';
import { LOCK_ICON, escapeHtml, htmlPage } from '../http/html.js';
import { isLoopbackHost } from '../lib/url.js';

/** What the consent page shows. */
export interface ConsentPageContent {
  /** Name of this MCP server, shown above the question. */
  serverName: string;
  /** The client's id: for a Client ID Metadata Document client, the URL whose host is shown. */
  clientId: string;
  /** The client's self-declared name (`client_name`), or its id. */
  clientName: string;
  /** Where the client will receive the result, shown as a host (or scheme for app URLs). */
  redirectUri: string;
  /** Scopes requested; empty means basic access. */
  scopes: readonly string[];
  /** Human descriptions of scopes, shown next to them. */
  scopeDescriptions?: Readonly<Record<string, string>> | undefined;
  /** The identity provider the user signs in with next (for example "GitHub"). */
  providerName?: string | undefined;
  /** The form's target (the consent route). */
  action: string;
  /** The transaction id and CSRF token, posted back as hidden fields. */
  transaction: string;
  csrfToken: string;
}

/** How the redirect target is shown: `host[:port]` for http(s), the scheme for app links, with a note. */
export function redirectLabel(redirectUri: string): { target: string; note?: string } {
  const url = new URL(redirectUri);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return isLoopbackHost(url.hostname) ? { target: url.host, note: 'an app on this computer' } : { target: url.host };
  }
  return { target: `${url.protocol}//`, note: 'an app on this device' };
}

/** The consent page: who asks, where the answer goes, what it may do, approve / deny. */
export function renderConsentPage(c: ConsentPageContent): string {
  const scopeItems =
    c.scopes.length === 0
      ? '<li>Basic access <span>no specific permissions requested</span></li>'
      : c.scopes
          .map((s) => {
            const d = c.scopeDescriptions?.[s];
            return `<li><code>${escapeHtml(s)}</code>${d ? ` <span>${escapeHtml(d)}</span>` : ''}</li>`;
          })
          .join('\n');
  const provider = c.providerName ? `<div><dt>Sign in with</dt><dd>${escapeHtml(c.providerName)}</dd></div>` : '';
  const next = c.providerName ? `you will sign in with ${escapeHtml(c.providerName)}, then ` : '';
  const target = redirectLabel(c.redirectUri);
  const note = target.note ? `<small>${escapeHtml(target.note)}</small>` : '';
  const name = escapeHtml(c.clientName);
  // A metadata document client is identified by the site serving its document: anyone can call
  // itself "Claude", not anyone can publish on claude.ai. The site is what the user judges.
  const site = isClientIdMetadataUrl(c.clientId) ? escapeHtml(new URL(c.clientId).host) : undefined;
  // Without a client_name the name is the client id itself: no name to show beside the site.
  const nameRow = c.clientName === c.clientId ? '' : `\n<div><dt>Name</dt><dd>${name}<small>self-declared, not verified</small></dd></div>`;
  const who = site
    ? `<h1>Allow the application from <strong>${site}</strong> to access ${escapeHtml(c.serverName)} on your behalf?</h1>
<p class="notice">This application is identified by ${site}, where its description is published. The name it gives itself is not verified. Approve only if you just started this sign-in from an application of ${site} you trust.</p>
<dl>
<div><dt>Identified by</dt><dd><strong>${site}</strong></dd></div>${nameRow}`
    : `<h1>Allow <strong>${name}</strong> to access ${escapeHtml(c.serverName)} on your behalf?</h1>
<p class="notice">This application registered itself with this server. Approve only if you just started this sign-in from an application you trust.</p>
<dl>
<div><dt>Application</dt><dd>${name}</dd></div>`;
  const body = `<div class="mark">${LOCK_ICON}</div>
<p class="eyebrow">Authorization request</p>
${who}
<div><dt>Returns to</dt><dd>${escapeHtml(target.target)}${note}</dd></div>
${provider}
</dl>
<h2>Requested access</h2>
<ul>
${scopeItems}
</ul>
<form method="post" action="${escapeHtml(c.action)}">
<input type="hidden" name="transaction" value="${escapeHtml(c.transaction)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(c.csrfToken)}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Approve</button>
</div>
</form>
<footer>If you approve, ${next}the application receives a token for ${escapeHtml(c.serverName)} only.</footer>`;
  return htmlPage(`Authorize ${site ? new URL(c.clientId).host : c.clientName}`, body);
}
