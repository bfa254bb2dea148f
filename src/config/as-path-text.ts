/**
 * AS paths as text, the form GoBGP's as-path-sets match their regular expressions against:
 * sequences as space-separated ASNs, an AS_SET in braces, confederation segments in parentheses
 * and brackets (`65001 65002 {65003,65004}`). In the regular expressions `_` stands for a
 * delimiter (start, end, space, brace, comma, parenthesis), as in GoBGP and Cisco IOS, so
 * `_65002_` matches 65002 anywhere and never 165002.
 */
import { AsPathSegmentType, type AsPathSegment } from '../wire/attributes/types.js';

export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      switch (s.type) {
        case AsPathSegmentType.Set:
          return `{${s.asns.join(',')}}`;
        case AsPathSegmentType.ConfedSequence:
          return `(${s.asns.join(' ')})`;
        case AsPathSegmentType.ConfedSet:
          return `[${s.asns.join(',')}]`;
        default:
          return s.asns.join(' ');
      }
    })
    .join(' ');
}

const DELIMITER = '(?:^|[,{}()\\[\\] ]|$)';

/** Throws SyntaxError when the expression is not valid. */
export function asPathRegExp(text: string): RegExp {
  return new RegExp(text.replace(/_/g, DELIMITER));
}
