#!/usr/bin/env node
// Validates HAR files with the `har-validator` npm package installed by
// `.ci/run` into .ci/node, then checks what DevTools importers need beyond
// the schema (Chrome's importer throws on a missing `log.pages` loop target,
// on numbers that are not numbers and reads `postData.text` as a string).
//
//   node tests/har_validate.js FILE...
//
// Exit 0: every file is valid. Exit 1: a file is invalid (errors printed on
// stderr, each line prefixed with who complained). Exit 3: har-validator is
// not installed.
'use strict';

const fs = require('fs');
const path = require('path');

const moduleDir = path.join(__dirname, '..', '.ci', 'node', 'node_modules', 'har-validator');
let validator;
try {
  validator = require(moduleDir);
} catch (e) {
  console.error(`har-validator is not installed in ${moduleDir}: run bash .ci/run (${e.message})`);
  process.exit(3);
}

function devtoolsProblems(har) {
  const problems = [];
  const log = har && har.log;
  if (!log || typeof log !== 'object') return ['no log object'];
  if (log.version !== '1.2') problems.push(`log.version is ${JSON.stringify(log.version)}, not "1.2"`);
  if (!Array.isArray(log.pages)) problems.push('log.pages is not an array');
  if (!Array.isArray(log.entries)) return problems.concat('log.entries is not an array');
  const number = (value, where) => {
    if (typeof value !== 'number' || Number.isNaN(value)) problems.push(`${where} is not a number`);
  };
  log.entries.forEach((entry, i) => {
    const at = `log.entries[${i}]`;
    if (Number.isNaN(new Date(entry.startedDateTime).getTime())) {
      problems.push(`${at}.startedDateTime is not a date`);
    } else if (!/\.\d{3}/.test(entry.startedDateTime)) {
      problems.push(`${at}.startedDateTime has no milliseconds`);
    }
    number(entry.time, `${at}.time`);
    for (const t of ['send', 'wait', 'receive']) number(entry.timings && entry.timings[t], `${at}.timings.${t}`);
    const req = entry.request || {};
    const res = entry.response || {};
    try {
      new URL(req.url);
    } catch (e) {
      problems.push(`${at}.request.url ${JSON.stringify(req.url)} is not an absolute URL`);
    }
    number(req.headersSize, `${at}.request.headersSize`);
    number(req.bodySize, `${at}.request.bodySize`);
    if (req.postData && typeof req.postData.text !== 'string') {
      problems.push(`${at}.request.postData.text is not a string`);
    }
    number(res.status, `${at}.response.status`);
    number(res.headersSize, `${at}.response.headersSize`);
    number(res.bodySize, `${at}.response.bodySize`);
    number(res.content && res.content.size, `${at}.response.content.size`);
    if (typeof res.redirectURL !== 'string') problems.push(`${at}.response.redirectURL is not a string`);
  });
  return problems;
}

async function check(file) {
  let har;
  try {
    har = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return [`json: ${e.message}`];
  }
  const problems = [];
  try {
    await validator.har(har);
  } catch (e) {
    const errors = e.errors || [{ message: String(e) }];
    for (const err of errors) {
      const where = err.dataPath || err.instancePath || '';
      const extra = err.params ? ` ${JSON.stringify(err.params)}` : '';
      problems.push(`har-validator: ${where} ${err.message}${extra}`);
    }
  }
  for (const p of devtoolsProblems(har)) problems.push(`devtools: ${p}`);
  return problems;
}

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node tests/har_validate.js FILE...');
    process.exit(2);
  }
  let failed = false;
  for (const file of files) {
    const problems = await check(file);
    if (problems.length === 0) {
      console.log(`valid: ${file}`);
    } else {
      failed = true;
      console.error(`invalid: ${file}`);
      for (const p of problems) console.error(`  ${p}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
