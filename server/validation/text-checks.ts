/**
 * Checks of the text of primitive values that the validation options turn on (options.ts): HTML in strings and
 * markdown, and example URLs. Narrative (xhtml) is HTML by design and is checked by txt-1 instead
 * (https://hl7.org/fhir/R4/narrative.html#xhtml).
 */
import { isExampleUrl, type ValidationPolicy } from './options.ts';

export type TextReport = (text: string, expression: string) => void;

/**
 * An HTML start or end tag: `<script>`, `</b>`, `<img src=x onerror=...>`, `<br/>`. A `<` followed by a space or
 * a digit (`a < b`, `<5 mg`) is not one. Linear: `[^<>]*` stops at the next `<`.
 */
const HTML_TAG = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/;

const URL_TYPES = new Set(['uri', 'url', 'canonical']);

/** Reports what the policy refuses in one primitive value of FHIR type `typeCode`. */
export function checkPrimitiveText(
  value: unknown,
  typeCode: string,
  expression: string,
  policy: ValidationPolicy,
  report: TextReport,
): void {
  if (typeof value !== 'string' || typeCode === 'xhtml') return;
  if (!policy.allowExampleUrls && URL_TYPES.has(typeCode) && isExampleUrl(value)) {
    report(`Example URLs are not allowed here (${value})`, expression);
  }
  if (value.indexOf('<') < 0) return;
  // Markdown counts as a string here: most renderers pass its HTML through, so it is the likelier way in.
  if (policy.securityChecks) {
    const tag = HTML_TAG.exec(value);
    if (tag) {
      report(`The text contains what looks like an HTML tag (${preview(tag[0])}), refused for security`, expression);
      return;
    }
  }
  if (policy.noHtmlInMarkdown && typeCode === 'markdown') {
    const tag = HTML_TAG.exec(value);
    if (tag) report(`The markdown contains what looks like an HTML tag (${preview(tag[0])}): HTML is not allowed in markdown here`, expression);
  }
}

function preview(tag: string): string {
  return tag.length > 40 ? `${tag.slice(0, 37)}...` : tag;
}
