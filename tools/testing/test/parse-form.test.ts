import { describe, expect, it } from 'vitest';
import { decodeHtmlAttribute, parseForm } from '../src/index.js';

describe('decodeHtmlAttribute', () => {
  it('decodes the named references an HTML escape writes', () => {
    expect(decodeHtmlAttribute('a&amp;b&quot;c&lt;d&gt;e&apos;f')).toBe('a&b"c<d>e\'f');
  });

  it('decodes decimal and hex references, with or without the semicolon', () => {
    expect(decodeHtmlAttribute('&#39;&#x27;&#X27;&#34;&#x3C;&#128512;&#x1F600;')).toBe("'''\"<😀😀");
    expect(decodeHtmlAttribute('&#39x&#x41z')).toBe("'xAz");
  });

  it('decodes in one pass: an escaped reference stays a reference', () => {
    expect(decodeHtmlAttribute('&amp;lt;&amp;#39;&amp;amp;')).toBe('&lt;&#39;&amp;');
  });

  it('replaces a code point that cannot be a character with U+FFFD', () => {
    expect(decodeHtmlAttribute('&#0;&#xD800;&#x110000;&#99999999;')).toBe('\uFFFD\uFFFD\uFFFD\uFFFD');
  });

  it('leaves unknown names, a named reference without its semicolon and a lone ampersand as they are', () => {
    expect(decodeHtmlAttribute('&copy; &amp &foo; a & b &#; &#x;')).toBe('&copy; &amp &foo; a & b &#; &#x;');
  });
});

describe('parseForm', () => {
  it('decodes the action, the names and the values of the inputs', () => {
    const html = `<html><body>
      <form method="post" action="/interaction/it&#x27;s&#39;?x=1&amp;y=&#61;2">
        <input type="hidden" name="state" value="a&amp;b=&quot;c&quot;&#x3C;&#60;&gt;">
        <input type="text" name="login&#95;hint" value="">
        <input type="hidden" name="prompt" value="&amp;quot;">
        <button type="submit">Go</button>
      </form></body></html>`;
    const form = parseForm(html, 'http://127.0.0.1:4000/auth');
    expect(form?.action).toBe("http://127.0.0.1:4000/interaction/it's'?x=1&y==2");
    expect([...form!.fields]).toEqual([
      ['state', 'a&b="c"<<>'],
      ['login_hint', ''],
      ['prompt', '&quot;'],
    ]);
  });

  it('null for a page without a form', () => {
    expect(parseForm('<p>no form</p>', 'http://127.0.0.1/')).toBeNull();
  });
});
