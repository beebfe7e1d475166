#!/usr/bin/env python3
"""Compiles (and where marked, runs) the C, C++ and Go code blocks of the
READMEs. Called by scripts/readme-snippets.sh, which builds the library and
the dev server first; see that script for the convention.

usage: readme_snippets.py --root DIR --libdir DIR --devserver PATH [--go-tags TAGS]
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

# The READMEs whose C, C++ and Go blocks are checked. bindings/python's are
# tested by the Python binding's own suite; bindings/kotlin's blocks (Android
# ViewModel code and Gradle) are not compiled (see readme-snippets.sh).
READMES = [
    "README.md",
    "bindings/cpp/README.md",
    "bindings/go/README.md",
    "tests/c/README.md",
]

LANGS = {"c": "c", "cpp": "cpp", "c++": "cpp", "go": "go"}
GO_MODULE = "github.com/authing-mfa/authing-mfa/bindings/go"

ANNOTATION = re.compile(r"^<!--\s*snippet:\s*(.*?)\s*-->\s*$")
KINDS = re.compile(r"^(fragment|run|skip\s+\((?P<reason>.+)\))$")
# The placeholder hosts of the examples; a `run` block talks to the dev server
# instead.
PLACEHOLDER_HOST = re.compile(r"https://[a-z0-9-]+\.authing\.cn")

# The run blocks log in as this user, created on the dev server first.
RUN_USER = {"email": "alice@example.com", "password": "S3cret!"}

# --- the common variables of fragments ---------------------------------------
# A fragment is the body of a function whose parameters are these (so an
# unused one is no error), inside a block of its own (so the fragment may
# declare a variable of the same name).

C_PRELUDE = """\
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authing_mfa.h"
"""
C_PARAMS = "authing_mfa_client *c, const char *params, void *my_state"

CPP_PRELUDE = """\
#include <authing_mfa.hpp>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
using authing_mfa::Params;
// The READMEs' placeholders for the reader's own code.
std::map<std::string, std::string> parse(const std::string& json);  // "your JSON library"
void use_user(const std::string& user_json);
void report(authing_mfa::Status status, const char* message);
"""
CPP_PARAMS = ("authing_mfa::Client& client, std::string code, std::string mfa_token, "
              "std::string email, std::string password, std::string user")

GO_IMPORTS = ["context", "errors", "fmt", "time"]
GO_PRELUDE_TAIL = """\
var _ = context.Background
var _ = errors.As
var _ = fmt.Println
var _ = time.Second
var _ *authingmfa.Client

// The READMEs' placeholders for the reader's own code.
func showQR(uri string) {}
"""
GO_PARAMS = ("ctx context.Context, client *authingmfa.Client, poolID, appID, code, mfaToken, "
             "rc, email, password string, params authingmfa.VerifyTotpParams")


class Block:
    def __init__(self, path, line, lang, kind, reason, code):
        self.path = path          # the README, relative to the root
        self.line = line          # the line of the block's first code line
        self.lang = lang          # c, cpp, go
        self.kind = kind          # program, fragment, run, skip
        self.reason = reason
        self.code = code          # the lines, without the fences

    @property
    def name(self):
        return f"{self.path}:{self.line - 1} ({self.lang}, {self.kind})"

    @property
    def ident(self):
        return re.sub(r"[^A-Za-z0-9]+", "_", f"{self.path}_L{self.line}").strip("_")


def extract(root, path):
    """The C, C++ and Go blocks of one README, with their annotations."""
    lines = open(os.path.join(root, path), encoding="utf-8").read().split("\n")
    blocks, errors = [], []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        start = i
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        code = [l[len(indent):] if l.startswith(indent) else l for l in lines[start + 1:j]]
        i = j + 1
        # The annotation: the last non-blank line before the fence.
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        note = ANNOTATION.match(lines[k].strip()) if k >= 0 else None
        if lang not in LANGS:
            if note:
                errors.append(f"{path}:{start + 1}: a snippet annotation before a '{lang or 'plain'}' block, "
                              "which is not checked")
            continue
        lang = LANGS[lang]
        kind, reason = "program", None
        if note:
            km = KINDS.match(note.group(1))
            if not km:
                errors.append(f"{path}:{k + 1}: unknown annotation '{note.group(1)}' "
                              "(fragment, run, or skip (reason))")
                continue
            kind = km.group(1).split()[0]
            reason = km.group("reason")
        blocks.append(Block(path, start + 2, lang, kind, reason, code))
    return blocks, errors


def split_file_scope(block):
    """Separates the lines a fragment puts at file scope (#include, Go
    imports, C `static` function definitions up to their `}` at column 0)
    from the body. Returns (file_scope, body) as lists of (line number, text)."""
    top, body = [], []
    lines = list(enumerate(block.code, block.line))
    i = 0
    while i < len(lines):
        n, text = lines[i]
        if text.startswith("#include") or (block.lang == "go" and text.startswith("import ")):
            top.append((n, text))
        elif block.lang == "c" and text.startswith("static ") and "(" in text:
            while True:
                top.append(lines[i])
                if lines[i][1] == "}" or i + 1 >= len(lines):
                    break
                i += 1
        else:
            body.append((n, text))
        i += 1
    return top, body


def with_lines(block, numbered, go=False):
    """Source text with line directives, so errors name the README line."""
    out, expect = [], None
    for n, text in numbered:
        if n != expect:
            out.append(f"//line {block.path}:{n}" if go else f'#line {n} "{block.path}"')
        out.append(text)
        expect = n + 1
    return "\n".join(out) + "\n"


def c_source(block):
    if block.kind in ("program", "run"):
        return with_lines(block, list(enumerate(block.code, block.line)))
    top, body = split_file_scope(block)
    prelude = C_PRELUDE if block.lang == "c" else CPP_PRELUDE
    params = C_PARAMS if block.lang == "c" else CPP_PARAMS
    return (prelude + with_lines(block, top)
            + f'#line 1 "<snippet wrapper>"\nvoid snippet({params});\nvoid snippet({params}) {{\n{{\n'
            + with_lines(block, body)
            + '#line 2 "<snippet wrapper end>"\n}\n}\n')


def go_source(block):
    top, body = split_file_scope(block)
    own_import = any(t.startswith("import ") for _, t in top)
    head = "package main\n\nimport (\n" + "".join(f'\t"{p}"\n' for p in GO_IMPORTS)
    if not own_import:
        head += f'\tauthingmfa "{GO_MODULE}"\n'
    head += ")\n"
    if block.kind == "program":
        return with_lines(block, list(enumerate(block.code, block.line)), go=True)
    return (head + with_lines(block, top, go=True) + "//line snippet-wrapper.go:1\n" + GO_PRELUDE_TAIL
            + f"func snippet({GO_PARAMS}) error {{\n\t{{\n"
            + with_lines(block, body, go=True)
            + "//line snippet-wrapper-end.go:1\n\t}\n\treturn nil\n}\n\nfunc main() {}\n")


def run(cmd, cwd=None, env=None, timeout=120):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout


class DevServer:
    def __init__(self, path):
        self.proc = subprocess.Popen([path, "--port", "0", "--exit-on-stdin-close", "--quiet"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.close()
            raise RuntimeError(f"the dev server printed {self.url!r}, not its URL")

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def close(self):
        try:
            self.proc.stdin.close()   # --exit-on-stdin-close
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--devserver", required=True)
    ap.add_argument("--go-tags", default="authingmfa_checkout")
    args = ap.parse_args()
    root, libdir = os.path.abspath(args.root), os.path.abspath(args.libdir)

    blocks, errors = [], []
    for path in READMES:
        b, e = extract(root, path)
        blocks += b
        errors += e
    for e in errors:
        print(f"FAILED - {e}")

    results = []  # (block, ok, output)
    tmp = tempfile.mkdtemp(prefix="readme-snippets.")
    try:
        results = check_all(blocks, root, libdir, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    passed = failed = skipped = 0
    for block, ok, output in results:
        if ok is None:
            skipped += 1
            print(f"skip   - {block.name}: {block.reason}")
        elif ok:
            passed += 1
            print(f"ok     - {block.name}")
            if block.kind == "run":
                for l in output.rstrip().split("\n")[:3]:
                    print(f"         | {l[:160]}")
        else:
            failed += 1
            print(f"FAILED - {block.name}")
            for l in output.rstrip().split("\n")[-40:]:
                print(f"         | {l}")
    failed += len(errors)
    print(f"readme snippets: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


def check_all(blocks, root, libdir, args, tmp):
    results = []
    todo = []
    go_blocks = []
    run_blocks = []
    cc = os.environ.get("CC", "cc")
    cxx = os.environ.get("CXX", "c++")
    for b in blocks:
        if b.kind == "skip":
            results.append((b, None, ""))
            continue
        if b.lang == "go":
            go_blocks.append(b)
            continue
        src = os.path.join(tmp, b.ident + (".c" if b.lang == "c" else ".cpp"))
        with open(src, "w") as f:
            f.write(c_source(b))
        if b.lang == "c":
            cmd = [cc, "-std=c99", "-Wall", "-I" + os.path.join(root, "include")]
        else:
            cmd = [cxx, "-std=c++17", "-Wall", "-I" + os.path.join(root, "bindings/cpp/include"),
                   "-I" + os.path.join(root, "include")]
        if b.kind == "fragment":
            # A fragment shows values it does not go on to use.
            cmd += ["-Werror", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                    "-Wno-unused-function", "-c", src, "-o", src + ".o"]
        else:
            exe = os.path.join(tmp, b.ident)
            cmd += ["-Werror", src, "-o", exe, "-L" + libdir, "-lauthing_mfa", "-Wl,-rpath," + libdir]
            if b.kind == "run":
                run_blocks.append((b, exe))
        todo.append((b, cmd))

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [(b, pool.submit(run, cmd)) for b, cmd in todo]
        go_future = pool.submit(check_go, go_blocks, root, libdir, args, tmp) if go_blocks else None
        compiled = {}
        for b, fut in futures:
            rc, out = fut.result()
            compiled[id(b)] = rc == 0
            if not (rc == 0 and b.kind == "run"):
                results.append((b, rc == 0, out))
        if go_future:
            results += go_future.result()

    # The run blocks: against the dev server, the placeholder host replaced.
    runnable = [(b, exe) for b, exe in run_blocks if compiled[id(b)]]
    for b, exe in run_blocks:
        if not compiled[id(b)]:
            results.append((b, False, "did not compile (see above)"))
    if runnable:
        server = DevServer(args.devserver)
        try:
            server.post("/__dev/users", RUN_USER)
            for b, exe in runnable:
                src = os.path.join(tmp, b.ident + (".c" if b.lang == "c" else ".cpp"))
                text = open(src).read()
                if not PLACEHOLDER_HOST.search(text):
                    results.append((b, False, "a run block must name a placeholder host (https://…authing.cn)"))
                    continue
                with open(src, "w") as f:
                    f.write(PLACEHOLDER_HOST.sub(server.url, text))
                cmd = [cc if b.lang == "c" else cxx] + (["-std=c99"] if b.lang == "c" else ["-std=c++17"])
                cmd += ["-I" + os.path.join(root, "include"), "-I" + os.path.join(root, "bindings/cpp/include"),
                        src, "-o", exe, "-L" + libdir, "-lauthing_mfa", "-Wl,-rpath," + libdir]
                rc, out = run(cmd)
                if rc == 0:
                    rc, out = run([exe], timeout=60)
                    out = f"(against the dev server at {server.url}, exit status {rc})\n" + out
                results.append((b, rc == 0, out))
        finally:
            server.close()
    order = {id(b): i for i, b in enumerate(blocks)}
    results.sort(key=lambda r: order[id(r[0])])
    return results


def check_go(blocks, root, libdir, args, tmp):
    """One temporary module, one main package per block, one `go build`."""
    mod = os.path.join(tmp, "gomod")
    os.makedirs(mod)
    with open(os.path.join(mod, "go.mod"), "w") as f:
        f.write("module readmesnippets\n\ngo 1.24\n\n"
                f"require {GO_MODULE} v0.0.0\n\n"
                f"replace {GO_MODULE} => {os.path.join(root, 'bindings/go')}\n")
    for b in blocks:
        d = os.path.join(mod, b.ident)
        os.makedirs(d)
        with open(os.path.join(d, "main.go"), "w") as f:
            f.write(go_source(b))
    env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local", GOPROXY="off", CGO_ENABLED="1")
    if args.go_tags == "authingmfa_custom":
        env["CGO_LDFLAGS"] = f"-L{libdir} -lauthing_mfa -Wl,-rpath,{libdir}"
    rc, out = run(["go", "build", "-tags", args.go_tags, "./..."], cwd=mod, env=env, timeout=300)
    # go prints the errors of each package under "# readmesnippets/<dir>".
    sections, current = {}, None
    for l in out.split("\n"):
        m = re.match(r"^# readmesnippets/(\S+)$", l)
        if m:
            current = m.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(l)
    results = []
    for b in blocks:
        if rc == 0:
            results.append((b, True, ""))
        elif sections:
            mine = sections.get(b.ident)
            results.append((b, mine is None, "\n".join(mine or [])))
        else:
            results.append((b, False, out))
    return results


if __name__ == "__main__":
    sys.exit(main())
