/**
 * The YAML text of the Talos patches, and the documents of a patch text: the bytes of the yaml
 * package's `stringify` (`lineWidth: 0`, `aliasDuplicateObjects: false`) and the values of its
 * `parseAllDocuments(...).toJS()`, without its document model for the shapes the patches have.
 *
 * Why: the yaml package builds a document tree to print one and to read one (~0.15 ms for a hostname
 * document, ~1 ms for a role patch); the program prints one or two patches per node and the plan
 * reads every one back, ~50 ms of a 100-node plan and ~8% of a 3-node run (README, Speed).
 *
 * The fast path prints only what it can print exactly as yaml 2.9.1 does: block maps and sequences
 * (two spaces, sequences indented under their key), empty ones in flow (`{}`, `[]`), safe integers,
 * booleans, and strings that yaml prints plain or in double quotes without an escape (`plain`,
 * `quoted`; no folding at `lineWidth: 0`).
 * Anything else (null, a float, a string yaml would quote, a key over 1,024 characters, a class
 * instance) goes to yaml itself. Reading is checked the other way round: a text is read by the fast
 * path only when printing what it read gives the text back byte for byte, and since yaml reads its own
 * output back to the same values, the values are yaml's. test/plan-speed-invariants.test.ts holds both
 * against yaml over every patch of several stacks and a seeded corpus of awkward values.
 */
import { parseAllDocuments, stringify } from "yaml";

/** How the patches are printed: no line folding, no anchors or aliases. */
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/**
 * Strings the YAML 1.2 core schema (yaml's default) reads as another type, which yaml therefore
 * quotes: yaml 2.9.1 dist/schema/common/null.js, dist/schema/core/bool.js, int.js, float.js (`test`).
 */
const CORE_NON_STRING =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;

/**
 * A subset of the strings yaml prints plain, as keys and as values: no space, no indicator, quote or
 * comment character, not starting with `-`, `.` or `:`, not ending with `:` (yaml 2.9.1
 * dist/stringify/stringifyString.js `plainString`), no longer than 1,024 characters (a longer key
 * becomes an explicit `? key`: dist/stringify/stringifyPair.js).
 */
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./:-]{0,1023}$/;

const plain = (s: string): boolean => PLAIN.test(s) && !s.endsWith(":") && !CORE_NON_STRING.test(s);

/**
 * A value string yaml prints in double quotes that need no escape: "" and the strings the core schema
 * reads as another type ("true", "1450"), which `plainString` hands to `quotedString`, which picks
 * double quotes for a string without quote characters; JSON.stringify of these is the string in quotes
 * (dist/stringify/stringifyString.js `doubleQuotedString`, no folding at `lineWidth: 0`).
 */
const quoted = (s: string): boolean => s === "" || CORE_NON_STRING.test(s);

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A value's text on its key's or item's line, "" for a non-empty collection, undefined for neither. */
function inline(v: unknown): string | undefined {
  switch (typeof v) {
    case "string":
      return plain(v) ? v : quoted(v) ? `"${v}"` : undefined;
    case "number":
      // yaml prints a number with JSON.stringify (dist/stringify/stringifyNumber.js): for a safe integer, String.
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
    case "boolean":
      return v ? "true" : "false";
    default:
      if (Array.isArray(v)) return v.length === 0 ? "[]" : "";
      if (isPlainObject(v)) return Object.keys(v).length === 0 ? "{}" : "";
      return undefined;
  }
}

/** A non-empty map or sequence in block style, each line starting with `indent`; undefined off the fast path. */
function block(v: unknown, indent: string, depth: number): string | undefined {
  if (depth > 64) return undefined;
  const lines: string[] = [];
  const entries: [string | undefined, unknown][] = Array.isArray(v)
    ? Array.from(v, (item): [undefined, unknown] => [undefined, item]) // a hole is undefined: yaml prints it
    : Object.entries(v as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (key !== undefined && !plain(key)) return undefined;
    const text = inline(value);
    if (text === undefined) return undefined;
    if (key === undefined) {
      // A sequence item: a collection starts on the item's line, after "- ".
      const inner = text === "" ? block(value, `${indent}  `, depth + 1) : text;
      if (inner === undefined) return undefined;
      lines.push(`${indent}- ${text === "" ? inner.slice(indent.length + 2) : inner}`);
    } else if (text === "") {
      const inner = block(value, `${indent}  `, depth + 1);
      if (inner === undefined) return undefined;
      lines.push(`${indent}${key}:`, inner);
    } else lines.push(`${indent}${key}: ${text}`);
  }
  return lines.join("\n");
}

/**
 * One document's YAML exactly as yaml's `stringify` prints it with the patches' options, when the
 * fast path can print it; undefined when only yaml can.
 */
export function fastYaml(doc: unknown): string | undefined {
  const text = inline(doc);
  if (text === undefined) return undefined;
  if (text !== "") return `${text}\n`;
  const body = block(doc, "", 0);
  return body === undefined ? undefined : `${body}\n`;
}

/** One document's YAML: what yaml's `stringify` prints with the patches' options. */
export function documentYaml(doc: unknown): string {
  return fastYaml(doc) ?? stringify(doc, YAML_OPTIONS);
}

/** A scalar as the fast path prints it, read back (the round trip in `fastRead` checks it). */
function scalar(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  if (text === "{}") return {};
  if (text === "[]") return [];
  return /^-?[0-9]+$/.test(text) ? Number(text) : text;
}

/** The lines of a text, each with its indentation, for `readBlock`. */
interface Cursor {
  readonly lines: { col: number; text: string }[];
  at: number;
}

/** Reads the map or sequence whose lines start at column `col`. */
function readBlock(c: Cursor, col: number): unknown {
  const first = c.lines[c.at];
  if (first?.text.startsWith("- ")) {
    const items: unknown[] = [];
    for (let line = c.lines[c.at]; line?.col === col && line.text.startsWith("- "); line = c.lines[c.at]) {
      // The item's content continues at col + 2, as if "- " were indentation.
      line.col += 2;
      line.text = line.text.slice(2);
      items.push(readValue(c, col + 2));
    }
    return items;
  }
  const map: Record<string, unknown> = {};
  for (let line = c.lines[c.at]; line?.col === col && !line.text.startsWith("- "); line = c.lines[c.at]) {
    const split = line.text.indexOf(": ");
    if (split > 0) {
      map[line.text.slice(0, split)] = scalar(line.text.slice(split + 2));
      c.at++;
    } else if (line.text.endsWith(":")) {
      c.at++;
      map[line.text.slice(0, -1)] = readBlock(c, col + 2);
    } else throw new Error("not a block map");
  }
  return map;
}

/** Reads a sequence item's content: a scalar on its line, or a collection starting there. */
function readValue(c: Cursor, col: number): unknown {
  const line = c.lines[c.at];
  if (line && !line.text.startsWith("- ") && !line.text.includes(": ") && !line.text.endsWith(":")) {
    c.at++;
    return scalar(line.text);
  }
  return readBlock(c, col);
}

/** The one document of a text the fast path prints, read back; undefined for any other text. */
export function fastDocument(text: string): unknown {
  if (!text.endsWith("\n")) return undefined;
  const lines = text
    .slice(0, -1)
    .split("\n")
    .map((l) => {
      const col = l.length - l.trimStart().length;
      return { col, text: l.slice(col) };
    });
  const c: Cursor = { lines, at: 0 };
  let value: unknown;
  try {
    value = readValue(c, 0);
  } catch {
    return undefined;
  }
  // The round trip: only a text the fast path prints back byte for byte was read right.
  return c.at === lines.length && fastYaml(value) === text ? value : undefined;
}

/** Every YAML document of a patch text, as plain values: what yaml's `parseAllDocuments(...).toJS()` gives. */
export function patchDocuments(text: string): unknown[] {
  const fast = fastDocument(text);
  if (fast !== undefined) return [fast];
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}
