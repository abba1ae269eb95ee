#!/usr/bin/env python3
"""Extract testing/btest from a zeek git directory (bare or not) into DEST, file by file.

`git archive` stops at the first missing blob (partial clones and mirrors leave large files out);
this copies every blob that is present and lists the ones that are not.

    extract-zeek-testing.py GIT_DIR DEST [TREE_PATH]      # e.g. a zeek clone's .git and /tmp/zeek
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    git_dir, dest = sys.argv[1], sys.argv[2]
    sub = sys.argv[3] if len(sys.argv) > 3 else 'testing/btest'
    tree = subprocess.run(['git', '-C', git_dir, 'ls-tree', '-r', 'HEAD', sub], check=True,
                          stdout=subprocess.PIPE).stdout.decode('utf-8', 'surrogateescape').splitlines()
    cat = subprocess.Popen(['git', '-C', git_dir, 'cat-file', '--batch'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing = 0
    for line in tree:
        meta, path = line.split('\t', 1)
        mode, typ, sha = meta.split()
        if typ != 'blob':
            continue
        cat.stdin.write((sha + '\n').encode())
        cat.stdin.flush()
        header = cat.stdout.readline().decode().split()
        if header[1] == 'missing':
            print('missing:', path, file=sys.stderr)
            missing += 1
            continue
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        out = os.path.join(dest, path)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if mode == '120000':
            if not os.path.lexists(out):
                os.symlink(data.decode(), out)
            continue
        with open(out, 'wb') as f:
            f.write(data)
        if mode == '100755':
            os.chmod(out, 0o755)
    cat.stdin.close()
    cat.wait()
    print('%d files under %s, %d missing' % (len(tree) - missing, os.path.join(dest, sub), missing))


if __name__ == '__main__':
    main()
