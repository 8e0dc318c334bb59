/**
 * The checks behind FHIRPath's `htmlChecks()` (txt-1, txt-2), which fhirpath.js does not implement: the rules of
 * https://hl7.org/fhir/R4/narrative.html#xhtml for Narrative.div. The div must be well-formed XHTML in the
 * XHTML namespace, using only the basic formatting elements and attributes (no script, form, iframe, object,
 * event attributes, script URLs) and only XML's own entities; it must have some non-whitespace content.
 * A hand-written scanner: each character is looked at a bounded number of times, whatever the input.
 */

const ELEMENTS = new Set(
  ('p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr address ' +
    'bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code samp img map area')
    .split(' '),
);

const ATTRIBUTES = new Set(
  ('title style class id lang xml:lang dir accesskey tabindex span width align valign char charoff abbr axis ' +
    'headers scope rowspan colspan href name src alt longdesc height usemap shape coords summary border frame ' +
    'rules cellspacing cellpadding start type value compact xmlns xmlns:xlink xmlns:xhtml')
    .split(' '),
);

/** Elements HTML writes without a closing tag; tolerated unclosed. */
const VOID_ELEMENTS = new Set(['br', 'hr', 'img', 'col', 'area']);

const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';
const ENTITY = /^&(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/;
const NAME = /^[A-Za-z][\w:.-]*/;

/** Why the div breaks txt-1, or undefined when it does not. */
export function narrativeProblem(div: unknown): string | undefined {
  if (typeof div !== 'string') return 'the narrative is not a string';
  const text = div.trim();
  if (!text.startsWith('<div')) return 'the narrative must be one <div> element';
  const stack: string[] = [];
  let at = 0;
  while (at < text.length) {
    const next = nextMarkup(text, at);
    if (next < 0) break;
    if (text[next] === '&') {
      const entity = ENTITY.exec(text.slice(next, next + 12))?.[0];
      if (!entity) return `invalid entity '${text.slice(next, next + 12).split(/[\s;<]/)[0]};'`;
      at = next + entity.length;
      continue;
    }
    if (text.startsWith('<!--', next)) {
      const end = text.indexOf('-->', next + 4);
      if (end < 0) return 'a comment is not closed';
      at = end + 3;
      continue;
    }
    const tag = readTag(text, next);
    if (typeof tag === 'string') return tag;
    at = tag.end;
    if (stack.length === 0 && (tag.closing || next !== 0 || tag.name !== 'div')) {
      return 'the narrative must be one <div> element';
    }
    if (!ELEMENTS.has(tag.name)) return `element '${tag.name}' is not allowed`;
    if (tag.closing) {
      while (stack.length > 1 && VOID_ELEMENTS.has(stack[stack.length - 1]) && stack[stack.length - 1] !== tag.name) {
        stack.pop();
      }
      if (stack.pop() !== tag.name) return `'</${tag.name}>' closes no open element`;
      if (stack.length === 0) return text.slice(at).trim() === '' ? undefined : 'content after the closing </div>';
      continue;
    }
    const attributeProblem = checkAttributes(tag.attributes, stack.length === 0);
    if (attributeProblem) return attributeProblem;
    if (!tag.selfClosing) stack.push(tag.name);
    else if (stack.length === 0) return undefined;
  }
  return stack.length > 0 ? `'<${stack[stack.length - 1]}>' is not closed` : 'the narrative must be one <div> element';
}

/** txt-2: some text, or an image, inside the div. */
export function narrativeHasContent(div: unknown): boolean {
  if (typeof div !== 'string') return false;
  return /<img[\s/>]/i.test(div) || div.replace(/<[^>]*>/g, '').replace(/&nbsp;|&#160;/g, '').trim() !== '';
}

function nextMarkup(text: string, from: number): number {
  const tag = text.indexOf('<', from);
  const entity = text.indexOf('&', from);
  if (tag < 0) return entity;
  return entity < 0 ? tag : Math.min(tag, entity);
}

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: [string, string][];
  end: number;
}

/** The tag starting at `start` (a '<'), or why it is not one. */
function readTag(text: string, start: number): Tag | string {
  let at = start + 1;
  const closing = text[at] === '/';
  if (closing) at++;
  const name = NAME.exec(text.slice(at, at + 64))?.[0];
  if (!name) return text.startsWith('<!', start) || text.startsWith('<?', start) ? `'${text.slice(start, start + 9)}' is not allowed` : "a '<' that starts no element";
  at += name.length;
  const attributes: [string, string][] = [];
  for (;;) {
    while (/\s/.test(text[at] ?? '')) at++;
    if (text[at] === '>') return { name: name.toLowerCase(), closing, selfClosing: false, attributes, end: at + 1 };
    if (text.startsWith('/>', at)) return { name: name.toLowerCase(), closing, selfClosing: true, attributes, end: at + 2 };
    const attribute = /^[^\s=/>]+/.exec(text.slice(at, at + 64))?.[0];
    if (!attribute || closing) return `the tag <${name}> is not well-formed`;
    at += attribute.length;
    while (/\s/.test(text[at] ?? '')) at++;
    let value = '';
    if (text[at] === '=') {
      at++;
      while (/\s/.test(text[at] ?? '')) at++;
      const quote = text[at];
      if (quote !== '"' && quote !== "'") return `the attribute ${attribute} of <${name}> is not quoted`;
      const end = text.indexOf(quote, at + 1);
      if (end < 0) return `the attribute ${attribute} of <${name}> is not closed`;
      value = text.slice(at + 1, end);
      at = end + 1;
    }
    attributes.push([attribute.toLowerCase(), value]);
  }
}

function checkAttributes(attributes: [string, string][], root: boolean): string | undefined {
  let namespace: string | undefined;
  for (const [name, value] of attributes) {
    if (!ATTRIBUTES.has(name)) return `attribute '${name}' is not allowed`;
    if ((name === 'href' || name === 'src') && /^\s*(javascript|vbscript|data:text\/html)/i.test(value)) {
      return `a script URL in '${name}' is not allowed`;
    }
    if (name === 'xmlns') namespace = value;
  }
  if (root && namespace !== XHTML_NAMESPACE) return `the div must be in the namespace ${XHTML_NAMESPACE}`;
  if (!root && namespace !== undefined && namespace !== XHTML_NAMESPACE) return 'a nested element leaves the XHTML namespace';
  return undefined;
}
