// Oracle for the semver scheme: npm's `semver` package (tests/tools/node_modules), loose mode.
// Reads "A<TAB>B" lines on stdin; writes "<", "=", ">" or "error: <reason>" for each.
'use strict'
const path = require('path')
const semver = require(path.join(__dirname, '..', '..', '..', 'tests', 'tools', 'node_modules', 'semver'))
const readline = require('readline')

const out = []
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
rl.on('line', (line) => {
  const tab = line.indexOf('\t')
  const a = line.slice(0, tab)
  const b = line.slice(tab + 1)
  let va, vb
  try {
    va = new semver.SemVer(a, { loose: true })
    vb = new semver.SemVer(b, { loose: true })
  } catch (e) {
    out.push('error: ' + e.message.replace(/[\r\n\t]/g, ' '))
    return
  }
  const c = va.compare(vb)
  out.push(c < 0 ? '<' : c > 0 ? '>' : '=')
  if (out.length >= 65536) {
    process.stdout.write(out.join('\n') + '\n')
    out.length = 0
  }
})
rl.on('close', () => {
  if (out.length) process.stdout.write(out.join('\n') + '\n')
})
