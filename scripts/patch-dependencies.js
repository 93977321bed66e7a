'use strict';
/**
 * Run by npm after every install (postinstall): small edits to installed dependencies, each
 * written for one exact version of one package. An edit already made is left alone, so running
 * it again changes nothing. When the installed version is another one, or its text no longer
 * reads as the edit expects, the install fails and says which edit to look at again: an upgrade
 * must decide whether the edit is still needed, never drop it silently.
 *
 *   node scripts/patch-dependencies.js             edit node_modules/ beside this folder
 *   node scripts/patch-dependencies.js --root DIR  edit DIR/node_modules/ instead
 */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const EDITS = [
  {
    package: '@xmldom/xmldom',
    version: '0.9.12',
    file: 'lib/sax.js',
    // The same expression, with no state between calls (neither global nor sticky).
    why: 'builds the RegExp that checks an end tag once, instead of again for every end tag it reads (about 40% of its parse time for a SAML assertion)',
    replace: [
      {
        from: "var g = require('./grammar');\n",
        to: "var g = require('./grammar');\n// rest-sts (scripts/patch-dependencies.js): built once, not for every end tag.\nvar END_TAG_NAME_STRICT = g.reg('^', g.QName_group, g.S_OPT, '$');\n",
      },
      {
        from: "var endTagNameStrict = g.reg('^', g.QName_group, g.S_OPT, '$');",
        to: 'var endTagNameStrict = END_TAG_NAME_STRICT;',
      },
    ],
  },
];

class EditError extends Error {}

/** How often `part` occurs in `text`. */
function count(text, part) {
  return text.split(part).length - 1;
}

/** Makes one edit in `root`/node_modules; answers what it did. */
function apply(root, edit) {
  const dir = join(root, 'node_modules', ...edit.package.split('/'));
  const manifest = join(dir, 'package.json');
  const label = `${edit.package} ${edit.version} (${edit.file})`;
  if (!existsSync(manifest)) throw new EditError(`${edit.package} is not installed; the edit of ${label} cannot be made`);
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (installed !== edit.version) {
    throw new EditError(
      `${edit.package} ${installed} is installed; the edit that ${edit.why} was written for ${edit.version}. ` +
        `Check whether ${installed} still needs it, then update or remove it in scripts/patch-dependencies.js`,
    );
  }
  const path = join(dir, edit.file);
  let text = readFileSync(path, 'utf8');
  // Made already: each new text is there once, and the old one only where the new text holds it.
  if (edit.replace.every(({ from, to }) => count(text, to) === 1 && count(text, from) === count(to, from))) return `already made: ${label}`;
  for (const { from, to } of edit.replace) {
    if (count(text, from) !== 1) throw new EditError(`${label} does not read as the edit expects (${JSON.stringify(from.trim())}); reinstall it`);
    // split/join, not String#replace: the replacement text holds '$', which replace would interpret.
    text = text.split(from).join(to);
  }
  writeFileSync(path, text);
  return `made: ${label}, which ${edit.why}`;
}

function main(args) {
  const at = args.indexOf('--root');
  try {
    if (at >= 0 && !args[at + 1]) throw new EditError('--root needs a directory');
    const root = at >= 0 ? args[at + 1] : join(__dirname, '..');
    for (const edit of EDITS) process.stdout.write(`patch-dependencies: ${apply(root, edit)}\n`);
  } catch (error) {
    if (!(error instanceof EditError)) throw error;
    process.stderr.write(`patch-dependencies: ${error.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { EDITS };

if (require.main === module) main(process.argv.slice(2));
