// Writes tests/js/ecma_pattern_cases.json: random ECMA-262 patterns and answers with what
// this JavaScript engine says of each (`new RegExp(p, "u")`: refused, or which answers it
// matches). ecma_patterns.test.mjs and tests/core/records/test_ecma_patterns.py hold the
// browser and the server to these answers, so the two agree on constructs the JSON Schema
// Test Suite does not cover (`.` and line ends, `\s`, `\b`, classes, properties, lookbehind).
// Run: node tests/js/make_ecma_pattern_cases.mjs   (deterministic: a seeded generator)
import fs from "node:fs";

const OUT = new URL("./ecma_pattern_cases.json", import.meta.url);

function seeded(seed) { // mulberry32
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(18);
const pick = (list) => list[Math.floor(random() * list.length)];

const ATOMS = [
  "a", "b", ".", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "[a-c]", "[^a]", "[\\d\\s]", "[^\\w]",
  "\\b", "\\B", "^", "$", "\\n", "\\r", "\\t", "\\u00e9", "\\u{1F600}", "é", "\\p{L}", "\\p{Lu}",
  "\\P{L}", "\\p{Nd}", "\\p{Script=Greek}", "\\cJ", "\\x41", "\\0", "[\\b]", "\\.", "\\/", "\\-",
  "[\\-]", "\\u2028", "[\\u{1F600}-\\u{1F64F}]", "\\k<n>", "(?<n>a)", "(?:ab|c)", "(a|b)", "[^]",
  "[]", "\\1", "(?=a)", "(?!b)", "(?<=a)", "(?<!a)", "(?<=a+)", "\\p{Emoji}", "[\\p{L}\\d]", "😀",
  "Σ", "σ", "İ", "[^\\s\\S]", "\\u212A", "K", "k", "\\ud83d\\ude00", "[\\ud83d\\ude00]", "[a&&b]",
  "[\\w-]", "[a-]", "[[]", "a{2}", "{", "}", "]", "\\p{digit}", "[^\\P{L}a]", "\\a", "(?P<n>a)",
];
const QUANTIFIERS = ["", "", "", "*", "+", "?", "{1,2}", "*?", "{0}", "{2,}"];
const TEXT_CHARACTERS = [
  "a", "b", "c", "A", "0", "9", " ", "\n", "\r", "\t", "\u2028", "\u2029", "\u00a0", "\ufeff",
  "\u0085", "é", "É", "\u{1F600}", "Σ", "σ", "ς", "K", "k", "\u212a", "_", "-", ".", "&", "[",
  "\u0660", "\u0663", "\u000b", "\u180e", "\u200b", "\u3000", "İ", "ı", "\u00df",
];

const patterns = new Set();
while (patterns.size < 700) {
  let pattern = "";
  const parts = 1 + Math.floor(random() * 4);
  for (let i = 0; i < parts; i += 1) pattern += pick(ATOMS) + pick(QUANTIFIERS);
  if (random() < 0.2) pattern = `^${pattern}$`;
  if (random() < 0.1) pattern = `(${pattern})|${pick(ATOMS)}`;
  patterns.add(pattern);
}
const texts = new Set([""]);
while (texts.size < 80) {
  let text = "";
  const length = 1 + Math.floor(random() * 5);
  for (let i = 0; i < length; i += 1) text += pick(TEXT_CHARACTERS);
  texts.add(text);
}

const textList = [...texts].sort();
const cases = { refused: [], matched: {} };
for (const pattern of [...patterns].sort()) {
  let regex;
  try {
    regex = new RegExp(pattern, "u");
  } catch {
    cases.refused.push(pattern);
    continue;
  }
  cases.matched[pattern] = textList.map((t) => (regex.test(t) ? "1" : "0")).join("");
}
const output = { engine: `node ${process.version}`, texts: textList, ...cases };
fs.writeFileSync(OUT, `${JSON.stringify(output, null, 0)}\n`);
console.log(`${Object.keys(cases.matched).length} read, ${cases.refused.length} refused`);
