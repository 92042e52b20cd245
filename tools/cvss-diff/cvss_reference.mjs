#!/usr/bin/env node
// Reference CVSS scores for vigil's differential test (tests/vulndb/cvss_oracle_test.cc).
// Reads vector strings on stdin, one a line, and scores each with two independent npm
// implementations installed in tests/tools (scripts/setup.sh --test runs `npm ci` there):
//
//   @pandatix/js-cvss 0.4.4   v2.0, v3.0, v3.1, v4.0. A strict parser (FIRST's JSON-schema
//                             patterns plus duplicate and mandatory-metric checks): it decides
//                             which strings are valid.
//   ae-cvss-calculator 1.0.13 v2.0, v3.0, v3.1, v4.0. A lenient parser (it scores "CVSS:3.3/..."
//                             as 3.0, ignores duplicates), so only its scores are used. Its v4.0
//                             rounding is that of FIRST's calculator since the 2024-11 fix
//                             (ties one ULP below x.x5 round up); js-cvss predates that fix.
//
// Output, one line per input line, tab-separated:
//   vector  pj_base  pj_score  pj_note  ae_base  ae_score  ae_note
// base  = the score of the base metrics alone (v4.0: CVSS-B, threat/environmental metrics
//         dropped); score = the score of the whole vector (v4.0: CVSS-B/BT/BE/BTE as FIRST's
//         calculator shows it; v2/v3: the base score again); note = the v4.0 nomenclature
//         ("CVSS-BT", ...) or "-". A reference that refuses the vector prints "invalid", "-" and
//         its message.
//
// With --tsv it prints tests/vulndb/testdata/cvss-vectors.tsv instead (see the header it writes).
//
//   tools/cvss-diff/harvest.py ../shared/data | node tools/cvss-diff/cvss_reference.mjs --tsv
'use strict';

import { createRequire, register } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, '..', '..', 'tests', 'tools', 'node_modules');
register(pathToFileURL(path.join(here, 'esm-hooks.mjs')).href);
const require = createRequire(path.join(modules, 'index.js'));
const ae = require('ae-cvss-calculator');
const pj = await import(pathToFileURL(path.join(modules, '@pandatix', 'js-cvss', 'dist', 'index.js')).href);

const V4_BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'];

function versionOf(vector) {
  for (const v of ['4.0', '3.1', '3.0']) if (vector.startsWith(`CVSS:${v}/`)) return v;
  return '2.0';
}

function clean(message) {
  return String(message).replace(/[\t\r\n]+/g, ' ');
}

// [base, score, note] from @pandatix/js-cvss, or throws.
function pandatix(vector, version) {
  switch (version) {
    case '4.0': {
      const full = new pj.CVSS40(vector);
      const baseVector = 'CVSS:4.0/' + V4_BASE.map((m) => `${m}:${full.Get(m)}`).join('/');
      const score = full.Score();
      // Scoring is slow (about 0.5 ms): do it once when the vector has only base metrics.
      const base = baseVector === vector ? score : new pj.CVSS40(baseVector).Score();
      return [base, score, full.Nomenclature()];
    }
    case '3.1': { const s = new pj.CVSS31(vector).BaseScore(); return [s, s, '-']; }
    case '3.0': { const s = new pj.CVSS30(vector).BaseScore(); return [s, s, '-']; }
    default: { const s = new pj.CVSS20(vector).BaseScore(); return [s, s, '-']; }
  }
}

// [base, score, note] from ae-cvss-calculator, or throws.
function metaeffekt(vector, version) {
  const v = ae.fromVector(vector);
  if (!v) throw new Error('not a CVSS vector');
  const s = v.calculateScores();
  const base = version === '4.0' ? s.baseMetricsOnly : s.base;
  const score = version === '4.0' ? s.overall : s.base;
  if (typeof base !== 'number' || typeof score !== 'number' || Number.isNaN(base) || Number.isNaN(score)) {
    throw new Error('no score (incomplete base metrics)');
  }
  return [base, score, version === '4.0' ? v.getNomenclature() : '-'];
}

function row(fn, vector, version) {
  try {
    const r = fn(vector, version);
    // js-cvss answers NaN, without an error, for a v3 vector that lacks a base metric.
    if (r.slice(0, 2).some((x) => typeof x !== 'number' || Number.isNaN(x))) throw new Error('no score (NaN)');
    return r.map(String);
  } catch (e) {
    return ['invalid', '-', clean(e && e.message ? e.message : e)];
  }
}

// FIRST's qualitative scale (v3.x and v4.0 share it); NVD's three bands for v2, which has none.
function severity(score, version) {
  if (version === '2.0') return score < 4.0 ? 'LOW' : score < 7.0 ? 'MEDIUM' : 'HIGH';
  return (version === '4.0' ? pj.CVSS40 : pj.CVSS31).Rating(score);
}

const TSV_HEADER = `# Every distinct CVSS vector string found in shared/data, with the reference scores.
# Vectors: tools/cvss-diff/harvest.py (OSV severity[].score and database_specific.cvss, legacy npm
# advisories' cvss_vector and cvss, CSAF vectorString, CycloneDX vector, and vectors quoted in
# descriptions and Ubuntu CVE tracker entries), exactly as written, malformed ones included.
# Scores: tools/cvss-diff/cvss_reference.mjs. Validity is @pandatix/js-cvss 0.4.4's (a strict
# parser); the numbers are ae-cvss-calculator 1.0.13's (FIRST's v4.0 calculator rounding).
# Regenerate (from the repository root, after scripts/setup.sh --test):
#   tools/cvss-diff/harvest.py ../shared/data | node tools/cvss-diff/cvss_reference.mjs --tsv \\
#     > tests/vulndb/testdata/cvss-vectors.tsv
# Columns: vector, base score, base severity, score, severity. Base uses the base metrics alone
# (v4.0: CVSS-B); score is the whole vector's (v4.0: CVSS-B/BT/BE/BTE, as FIRST's calculator shows
# it; v2/v3: the base score again). Severity: FIRST's scale for v3/v4 (NONE 0.0, LOW 0.1-3.9,
# MEDIUM 4.0-6.9, HIGH 7.0-8.9, CRITICAL 9.0-10.0); NVD's for v2 (LOW 0.0-3.9, MEDIUM 4.0-6.9,
# HIGH 7.0-10.0). A vector the reference refuses: "invalid" and its message.
`;

const tsv = process.argv.includes('--tsv');
const out = [];
if (tsv) process.stdout.write(TSV_HEADER);
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (vector) => {
  const version = versionOf(vector);
  const p = row(pandatix, vector, version);
  if (tsv) {
    if (p[0] === 'invalid') {
      out.push([vector, 'invalid', p[2]].join('\t'));
    } else {
      const a = row(metaeffekt, vector, version);
      if (a[0] === 'invalid') throw new Error(`ae-cvss-calculator refuses ${vector}: ${a[2]}`);
      const base = Number(a[0]);
      const score = Number(a[1]);
      out.push([vector, a[0], severity(base, version), a[1], severity(score, version)].join('\t'));
    }
  } else {
    out.push([vector, ...p, ...row(metaeffekt, vector, version)].join('\t'));
  }
  if (out.length >= 4096) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
});
rl.on('close', () => {
  if (out.length) process.stdout.write(out.join('\n') + '\n');
});
