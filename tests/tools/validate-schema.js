#!/usr/bin/env node
// Validates a JSON document against a JSON schema (draft-07, as CycloneDX and SPDX publish them;
// draft-04, as SARIF 2.1.0 does).
//   node validate-schema.js SCHEMA DOC [REFS...]
// REFS are further schemas that SCHEMA references by file name or $id (e.g. CycloneDX's
// spdx.schema.json and jsf-0.82.schema.json). Exits 0 when DOC is valid, 1 with every error
// (JSON pointer, message, offending value) when it is not, 2 on bad usage or unreadable files.
'use strict';

const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`validate-schema: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
}

const [schemaFile, docFile, ...refFiles] = process.argv.slice(2);
if (!schemaFile || !docFile) {
  console.error('usage: validate-schema.js SCHEMA DOC [REFS...]');
  process.exit(2);
}

// strict: false because the CycloneDX schemas use keywords and formats that ajv's strict mode
// rejects (e.g. "deprecated" annotations, unknown formats such as "idn-email" variants).
// SARIF 2.1.0 publishes a draft-04 schema, which needs ajv's draft-04 build.
const mainSchema = readJson(schemaFile);
const draft04 = String(mainSchema.$schema || '').includes('draft-04');
const AjvClass = draft04 ? require('ajv-draft-04') : Ajv;
const ajv = new AjvClass({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
// Formats CycloneDX uses that ajv-formats does not define: checked loosely rather than ignored.
ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
ajv.addFormat('iri-reference', /^[^\s]*$/u);
ajv.addFormat('iri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/u);

for (const ref of refFiles) {
  const schema = readJson(ref);
  // A schema is found by its $id (CycloneDX's "spdx.schema.json" resolves against bom-1.6's $id
  // to spdx.schema.json's own $id); one without an $id is registered under its file name.
  ajv.addSchema(schema, schema.$id ? undefined : path.basename(ref));
}
const schema = mainSchema;
let validate;
try {
  validate = ajv.compile(schema);
} catch (e) {
  console.error(`validate-schema: cannot compile ${schemaFile}: ${e.message}`);
  process.exit(2);
}
const doc = readJson(docFile);
if (validate(doc)) {
  console.log(`valid: ${docFile} against ${path.basename(schemaFile)}`);
  process.exit(0);
}
console.error(`INVALID: ${docFile} against ${path.basename(schemaFile)} (${validate.errors.length} errors)`);
for (const err of validate.errors.slice(0, 50)) {
  const value = JSON.stringify(err.data);
  console.error(`  ${err.instancePath || '/'}: ${err.message}` +
                (err.params && Object.keys(err.params).length ? ` ${JSON.stringify(err.params)}` : '') +
                (value !== undefined ? `  value: ${value.slice(0, 200)}` : ''));
}
if (validate.errors.length > 50) console.error(`  ... and ${validate.errors.length - 50} more`);
process.exit(1);
