#!/usr/bin/python3
# po/check-translations.py: every marked string has a French translation, and POTFILES lists every file that has some
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-translations.py --source-root DIR [--domain vignette]
#
# Fails when
#   - POTFILES names a file that does not exist, or names one twice;
#   - xgettext warns about a marked string (it could not extract it whole);
#   - a file under src/ or data/ has marked strings (_(), N_(), C_(), NC_(),
#     ngettext, g_dngettext, translatable="yes", or is a desktop, metainfo or
#     schema file) and POTFILES does not list it (po/POTFILES.skip, if it
#     exists, lists files that only look like they have some);
#   - a language of LINGUAS has no .po file, or its .po does not pass
#     msgfmt --check;
#   - after merging a catalogue made now from POTFILES (as `ninja vignette-pot`
#     would, but in a scratch folder), a message is untranslated or fuzzy;
#   - a French translation breaks the typography the translation follows:
#     "..." instead of "…", straight double quotes, « » without non-breaking
#     spaces inside, a plain space before : ; ! ?, or "Vignette" translated.

import argparse
import os
import re
import subprocess
import sys
import tempfile

# The same keywords and flags as meson's i18n.gettext(preset: 'glib'), plus po/meson.build's args
XGETTEXT_ARGS = [
    '--from-code=UTF-8',
    '--add-comments=Translators:',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

SOURCE_FOLDERS = ('src', 'data')
C_MARK = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2|g_dcgettext|dngettext|gettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true)"')
ALWAYS_TRANSLATED = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in', '.gschema.xml')
C_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.DOTALL)

NBSP = '\u00a0\u202f'


def read_list(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith('#')]


def has_marked_strings(path):
    if path.endswith(ALWAYS_TRANSLATED):
        return True
    try:
        text = open(path, encoding='utf-8').read()
    except (UnicodeDecodeError, OSError):
        return False
    if path.endswith(('.c', '.h')):
        return bool(C_MARK.search(C_COMMENT.sub('', text)))
    if path.endswith(('.ui', '.ui.in', '.xml', '.xml.in')):
        return bool(UI_MARK.search(text))
    if path.endswith('.blp'):
        return '_(' in text
    return False


def check_potfiles(root, potfiles, skipped, failures):
    seen = set()
    for entry in potfiles:
        if entry in seen:
            failures.append(f'POTFILES lists {entry} twice')
        seen.add(entry)
        if not os.path.isfile(os.path.join(root, entry)):
            failures.append(f'POTFILES lists {entry}, which does not exist')

    for folder in SOURCE_FOLDERS:
        for parent, dirs, files in os.walk(os.path.join(root, folder)):
            dirs[:] = sorted(d for d in dirs if not d.startswith(('.', '_build')))
            for name in sorted(files):
                relative = os.path.relpath(os.path.join(parent, name), root).replace(os.sep, '/')
                if relative not in seen and relative not in skipped and has_marked_strings(os.path.join(root, relative)):
                    failures.append(f'{relative} has strings marked for translation but is not in po/POTFILES')


def unquote(text):
    """The value of a PO string literal"""
    body = text.strip()[1:-1]
    escapes = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', 'r': '\r'}
    return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(1)), body)


def parse_po(path):
    """The entries of a PO file as written by xgettext and msgmerge (one block per
    entry, blocks separated by blank lines): msgctxt, msgid, msgid_plural,
    msgstr (by index), flags, obsolete"""
    entries = []
    text = open(path, encoding='utf-8').read()
    for block in re.split(r'\n\s*\n', text):
        entry, key = {'flags': set(), 'msgstr': {}, 'obsolete': False}, None
        for line in block.splitlines():
            if line.startswith('#~'):
                entry['obsolete'] = True
                line = line[2:].lstrip()
            if line.startswith('#,'):
                entry['flags'].update(f.strip() for f in line[2:].split(','))
            elif line.startswith('#') or not line.strip():
                continue
            elif line.startswith('msgctxt '):
                key, entry['msgctxt'] = 'msgctxt', unquote(line[8:])
            elif line.startswith('msgid_plural '):
                key, entry['msgid_plural'] = 'msgid_plural', unquote(line[13:])
            elif line.startswith('msgid '):
                key, entry['msgid'] = 'msgid', unquote(line[6:])
            elif line.startswith('msgstr['):
                index = int(line[7:line.index(']')])
                key = index
                entry['msgstr'][index] = unquote(line[line.index(']') + 1:])
            elif line.startswith('msgstr '):
                key = 0
                entry['msgstr'][0] = unquote(line[7:])
            elif line.startswith('"') and key is not None:
                if isinstance(key, int):
                    entry['msgstr'][key] += unquote(line)
                else:
                    entry[key] += unquote(line)
        if 'msgid' in entry:
            entries.append(entry)
    return entries


def check_typography(entry, failures):
    msgid = entry['msgid']
    where = f'fr.po: msgid "{msgid[:60]}"'
    for msgstr in entry['msgstr'].values():
        if not msgstr:
            continue
        if '...' in msgstr and '...' not in msgid:
            failures.append(f'{where}: "..." instead of "…"')
        if '"' in msgstr and '"' not in msgid:
            failures.append(f'{where}: straight double quotes instead of « »')
        if '“' in msgstr or '”' in msgstr:
            failures.append(f'{where}: English quotes “ ” instead of « »')
        for match in re.finditer('«(.)', msgstr):
            if match.group(1) not in NBSP:
                failures.append(f'{where}: « not followed by a non-breaking space')
        for match in re.finditer('(.)»', msgstr):
            if match.group(1) not in NBSP:
                failures.append(f'{where}: » not preceded by a non-breaking space')
        if re.search(r' [:;!?»](?=\s|$|\\n)', msgstr):
            failures.append(f'{where}: a plain space before : ; ! ? (use a non-breaking one)')
        if 'Vignette' in msgid and 'Vignette' not in msgstr:
            failures.append(f'{where}: "Vignette" is a name and stays as it is')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--domain', default='vignette')
    args = parser.parse_args()
    root = os.path.abspath(args.source_root)
    po_dir = os.path.join(root, 'po')
    failures = []

    potfiles = read_list(os.path.join(po_dir, 'POTFILES'))
    skipped = set(read_list(os.path.join(po_dir, 'POTFILES.skip')))
    if not potfiles:
        failures.append('po/POTFILES is missing or empty')
    check_potfiles(root, potfiles, skipped, failures)

    languages = [lang for line in read_list(os.path.join(po_dir, 'LINGUAS')) for lang in line.split()]
    if not languages:
        failures.append('po/LINGUAS names no language')

    with tempfile.TemporaryDirectory() as scratch:
        listed = os.path.join(scratch, 'POTFILES')
        with open(listed, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(p for p in potfiles if os.path.isfile(os.path.join(root, p))) + '\n')
        pot = os.path.join(scratch, args.domain + '.pot')
        result = subprocess.run(['xgettext', '--package-name=' + args.domain, '-f', listed, '-D', root,
                                 '-o', pot] + XGETTEXT_ARGS,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.stdout.strip():
            print(result.stdout.strip())
        # xgettext warns when it cannot extract a string whole (a format built
        # from macros such as G_GUINT64_FORMAT): that string cannot be translated
        for warning in (line for line in result.stdout.splitlines() if 'warning:' in line):
            failures.append('xgettext: ' + warning)
        if result.returncode != 0 or not os.path.isfile(pot):
            failures.append(f'xgettext failed with status {result.returncode}')
            languages = []
        else:
            n_messages = sum(1 for e in parse_po(pot) if e['msgid'])
            print(f'{n_messages} messages to translate from {len(potfiles)} files')

        for lang in languages:
            po = os.path.join(po_dir, lang + '.po')
            if not os.path.isfile(po):
                failures.append(f'po/{lang}.po does not exist')
                continue
            check = subprocess.run(['msgfmt', '--check', '-o', os.devnull, po],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if check.returncode != 0:
                failures.append(f'msgfmt --check po/{lang}.po: {check.stdout.strip()}')

            merged = os.path.join(scratch, lang + '.po')
            subprocess.run(['msgmerge', '--quiet', '-o', merged, po, pot], check=True)
            stats = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env=dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE=''))
            print(f'{lang}: {stats.stdout.strip()}')
            for entry in parse_po(merged):
                if entry['obsolete'] or not entry['msgid']:
                    continue
                shown = entry['msgid'][:70].replace('\n', '\\n')
                if 'fuzzy' in entry['flags']:
                    failures.append(f'{lang}: fuzzy translation of "{shown}"')
                elif not all(entry['msgstr'].values()) or not entry['msgstr']:
                    failures.append(f'{lang}: no translation for "{shown}"')
                elif lang == 'fr':
                    check_typography(entry, failures)

    for failure in failures:
        print('FAIL: ' + failure)
    if not failures:
        print('PASS')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
