"""Following a test's @TEST-EXEC shell lines to the `zeek -r TRACE` run behind each diffed file."""

import fnmatch
import os
import re
import shlex

ZEEK_ARG_OPTS = set('efiprswBGOtUXIa')  # short options that take an argument
ZEEK_LONG_ARG = {'--readfile': 'r', '--iface': 'i', '--filter': 'f', '--exec': 'e', '--load-seeds': None,
                 '--save-seeds': None, '--prefix': None, '--writefile': None}


def parse_zeek(words, stdin_origin, ctx):
    """words: argv after 'zeek'.  Returns an origin dict describing the conn.log the run writes."""
    o = {'kind': 'zeek', 'traces': [], 'ignore_checksums': False, 'bare': False, 'filter': None,
         'iface': None, 'assign': [], 'scripts': [], 'code': [], 'cmd': ctx['cmd'], 'env': ctx['env']}
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith('--'):
            name, _, val = w.partition('=')
            if name == '--bare-mode':
                o['bare'] = True
            elif name in ZEEK_LONG_ARG:
                if not val:
                    i += 1
                    val = words[i] if i < len(words) else ''
                short = ZEEK_LONG_ARG[name]
                if short == 'r':
                    o['traces'].append(val)
                elif short == 'i':
                    o['iface'] = val
                elif short == 'f':
                    o['filter'] = val
                elif short == 'e':
                    o['code'].append(val)
            i += 1
            continue
        if w.startswith('-') and len(w) > 1 and not w[1].isdigit():
            j = 1
            while j < len(w):
                c = w[j]
                if c in ZEEK_ARG_OPTS:
                    val = w[j + 1:]
                    if not val:
                        i += 1
                        val = words[i] if i < len(words) else ''
                    if c == 'r':
                        o['traces'].append(val)
                    elif c == 'i':
                        o['iface'] = val
                    elif c == 'f':
                        o['filter'] = val
                    elif c == 'e':
                        o['code'].append(val)
                    break
                if c == 'C':
                    o['ignore_checksums'] = True
                elif c == 'b':
                    o['bare'] = True
                j += 1
            i += 1
            continue
        if re.match(r'^[A-Za-z_][A-Za-z0-9_:]*\s*(\+|-)?=', w) or re.match(r'^[A-Za-z_][A-Za-z0-9_:]*\s+(\+|-)?=', w):
            o['assign'].append(w)
        else:
            o['scripts'].append(w)
        i += 1
    if o['traces'] == ['-']:
        o['traces'] = [stdin_origin['trace']] if stdin_origin and stdin_origin.get('kind') == 'trace' else ['<stdin>']
    return o


def resolve_path(p, ctx):
    p = p.replace('${TRACES}', ctx['traces']).replace('$TRACES', ctx['traces'])
    p = p.replace('%DIR', ctx['testdir'])
    return p


def glob_match(name, pattern):
    """Shell glob: '*' does not cross '/'."""
    if name.count('/') != pattern.count('/'):
        return False
    return all(fnmatch.fnmatchcase(a, b) for a, b in zip(name.split('/'), pattern.split('/')))


def simulate(execs, ctx):
    """Follow the @TEST-EXEC commands; return a list of (diffed file, baseline name, origin, note)."""
    files = {}       # working-directory file -> origin (dict) or {'kind': 'unknown', ...}
    dirs = set()
    targets = []
    for fail, cmd in execs:
        ctx['cmd'] = cmd
        try:
            c = re.sub(r'\$\([^()]*\)', 'SUBST', cmd)
            c = re.sub(r'`[^`]*`', 'SUBST', c)
            lex = shlex.shlex(c, posix=True, punctuation_chars='|&;<>')
            lex.whitespace_split = True
            toks = list(lex)
        except ValueError:
            continue
        # split into and-or lists / pipelines
        pipelines, cur = [], []
        for t in toks:
            if t in ('&&', '||', ';', '&'):
                pipelines.append(cur)
                cur = []
            else:
                cur.append(t)
        pipelines.append(cur)
        for pl in pipelines:
            stages, st = [], []
            for t in pl:
                if t == '|':
                    stages.append(st)
                    st = []
                else:
                    st.append(t)
            stages.append(st)
            prev_out = None
            for words in stages:
                words = [resolve_path(w, ctx) for w in words]
                env = {}
                while words and re.match(r'^[A-Za-z_][A-Za-z0-9_]*=', words[0]):
                    k, _, v = words[0].partition('=')
                    env[k] = v
                    words = words[1:]
                redir_in = redir_out = None
                append = False
                args = []
                k = 0
                while k < len(words):
                    w = words[k]
                    if w in ('>', '>>', '<', '>&', '&>', '>|') and k + 1 < len(words):
                        if w == '<':
                            redir_in = words[k + 1]
                        elif w in ('>', '>>', '>|', '&>'):
                            redir_out = words[k + 1]
                            append = (w == '>>')
                        k += 2
                        continue
                    if re.match(r'^\d$', w) and k + 1 < len(words) and words[k + 1] in ('>', '>>', '>&'):
                        # 2>&1, 2>file: stderr redirection, not an argument
                        k += 3
                        continue
                    args.append(w)
                    k += 1
                if not args:
                    prev_out = None
                    continue
                prog = os.path.basename(args[0])
                argv = args[1:]
                stdin_origin = files.get(redir_in) if redir_in else prev_out
                if redir_in and redir_in not in files and os.path.exists(redir_in):
                    stdin_origin = {'kind': 'trace', 'trace': redir_in}
                out_origin = None
                zctx = dict(ctx)
                zctx['env'] = env
                if prog == 'zeek':
                    o = parse_zeek(argv, stdin_origin, zctx)
                    files['conn.log'] = o
                elif prog in ('zcat', 'gunzip', 'gzip', 'cat') and argv and not any(a in files for a in argv):
                    srcs = [a for a in argv if not a.startswith('-')]
                    if len(srcs) == 1 and os.path.exists(srcs[0]):
                        out_origin = {'kind': 'trace', 'trace': srcs[0]}
                    elif not srcs and stdin_origin:
                        out_origin = stdin_origin
                elif prog in ('cat', 'sort') :
                    srcs = [a for a in argv if not a.startswith('-')]
                    if len(srcs) == 1 and srcs[0] in files:
                        out_origin = files[srcs[0]]
                    elif not srcs:
                        out_origin = stdin_origin
                    elif len(srcs) > 1:
                        out_origin = {'kind': 'mixed', 'why': 'several logs concatenated'}
                elif prog in ('gunzip', 'zcat') and stdin_origin:
                    out_origin = stdin_origin
                elif prog == 'zeek-cut':
                    src = stdin_origin
                    if src is not None:
                        out_origin = dict(src)
                        out_origin['cut'] = True
                elif prog == 'mv' or prog == 'cp':
                    srcs = [a for a in argv if not a.startswith('-')]
                    if len(srcs) >= 2:
                        dst = srcs[-1]
                        for s in srcs[:-1]:
                            matched = [n for n in list(files) if glob_match(n, s)] if any(c in s for c in '*?[') else ([s] if s in files else [])
                            for n in matched:
                                target = os.path.join(dst, os.path.basename(n)) if (dst in dirs or len(srcs) > 2 or n != s) else dst
                                files[target] = files[n]
                                if prog == 'mv':
                                    del files[n]
                elif prog == 'mkdir':
                    dirs.update(a for a in argv if not a.startswith('-'))
                elif prog == 'rm':
                    for s in argv:
                        if s.startswith('-'):
                            continue
                        for n in [n for n in list(files) if glob_match(n, s)]:
                            del files[n]
                elif prog in ('btest-diff', 'btest-diff-cut'):
                    files_args = [a for a in argv if not a.startswith('-')]
                    if files_args:
                        f = files_args[-1]
                        base = f.replace('/', '.')
                        note = ''
                        if 'TEST_BASELINE' in env:
                            note = 'alternate baseline directory (TEST_BASELINE)'
                        targets.append((f, base, files.get(f), note))
                elif redir_out is None:
                    pass
                else:
                    # some other command writing a file: remember that it is not a plain zeek log
                    if stdin_origin is not None or any(a in files for a in argv):
                        out_origin = {'kind': 'unknown', 'why': 'post-processed with %s' % prog}
                if redir_out is not None:
                    if append and redir_out in files and files[redir_out] is not out_origin:
                        files[redir_out] = {'kind': 'mixed', 'why': 'appended to'}
                    elif out_origin is not None:
                        files[redir_out] = out_origin
                    elif prog not in ('zeek',):
                        files.pop(redir_out, None)
                    prev_out = None
                else:
                    prev_out = out_origin
    return targets
