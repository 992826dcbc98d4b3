import { LOCK_ICON, escapeHtml, page } from './html.js';

/** What the consent page shows. */
export interface ConsentPageContent {
  /** Name of this MCP server, shown above the question. */
  serverName: string;
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
    const local = url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
    return local ? { target: url.host, note: 'an app on this computer' } : { target: url.host };
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
  const body = `<div class="mark">${LOCK_ICON}</div>
<p class="eyebrow">Authorization request</p>
<h1>Allow <strong>${escapeHtml(c.clientName)}</strong> to access ${escapeHtml(c.serverName)} on your behalf?</h1>
<p class="notice">This application registered itself with this server. Approve only if you just started this sign-in from an application you trust.</p>
<dl>
<div><dt>Application</dt><dd>${escapeHtml(c.clientName)}</dd></div>
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
  return page(`Authorize ${c.clientName}`, body);
}

/** An error page; it never redirects anywhere. */
export function renderErrorPage(title: string, message: string): string {
  return page(title, `<div class="mark">${LOCK_ICON}</div>\n<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
