// The http(s) links of a captured message: every URL in its text part and in its HTML part (hrefs included).

const URL_PATTERN = /https?:\/\/[^\s<>"'`]+/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decodes the character references of HTML (`&amp;`, `&#39;`, `&#x2F;`), enough to read URLs back. */
export function decodeEntities(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** A URL as prose ends it: without the sentence's closing punctuation or an unbalanced `)`. */
function trimUrl(url: string): string {
  let end = url.replace(/[.,;:!?]+$/, '');
  while (end.endsWith(')') && (end.match(/\(/g) ?? []).length < (end.match(/\)/g) ?? []).length)
    end = end.slice(0, -1).replace(/[.,;:!?]+$/, '');
  return end;
}

/** Every http(s) URL in the text and the HTML (attribute values decoded), in order, each once. */
export function extractLinks(text: string, html: string): string[] {
  const found = new Set<string>();
  for (const source of [text, decodeEntities(html)]) {
    for (const match of source.matchAll(URL_PATTERN)) {
      const url = trimUrl(match[0]);
      if (URL.canParse(url)) found.add(url);
    }
  }
  return [...found];
}
