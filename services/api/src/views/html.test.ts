import { describe, expect, it } from 'vitest';
import { html, escapeHtml } from './html';

describe('html tag', () => {
  it('escapes every interpolation', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
  });

  it('keeps nested html, joins arrays and drops empty values', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>0');
  });

  it('escapes attribute breakers', () => {
    expect(escapeHtml('" onload=`x`')).toBe('&quot; onload=&#96;x&#96;');
  });
});
