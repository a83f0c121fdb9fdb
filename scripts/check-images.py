#!/usr/bin/env python3
"""Checks that deploy/docker/*.Dockerfile install what the exporters need, without Docker.

  scripts/check-images.py [--dockerfile PATH ...]     (a step of scripts/test.sh, after the builds)
  scripts/check-images.py --self-test                  (also in that step: the check can fail)

For every Dockerfile (the product is the `--product X` of its `swift build`):

Runtime stage (the last FROM). The needs are derived from the built binary, not listed by hand:
  1. `ldd BINARY` -> every shared library it loads (the whole closure);
  2. each library -> its Debian package with `dpkg -S`;
     libraries of the Swift toolchain (the runtime: libswiftCore, Foundation, dispatch, ...) are
     not packages: they are provided when the build links them statically
     (`--static-swift-stdlib`: then every one must have a static archive in the toolchain's
     swift_static/linux, and the system libraries its static-stdlib-args.lnk adds, -lstdc++ ...,
     become needs), when the runtime stage starts FROM a swift image, or when it copies
     /usr/lib/swift from the build stage. Anything else fails: the image would not start.
  3. plus RUNTIME_ONLY below: packages loaded with dlopen() or read as data, which ldd cannot see.
A need is met when the runtime stage's `apt-get install` installs it or one of its dependencies
does (apt installs Depends/Pre-Depends), or when it is in the base image (Debian's minbase, which
the debian:*-slim images are: the Essential and Priority: required packages and their
dependencies).

Build stage (the stage that runs `swift build`). For each system-library target the product
depends on (swift package dump-package): the headers its module.modulemap's header #includes,
the libraries of its `link` lines (the unversioned libX.so the linker opens) and its pkg-config
file, each -> `dpkg -S` -> the -dev package that must be installed (pkg-config itself too).

Debian releases: the library -> package mapping is this machine's dpkg database, so it is valid
only when the images use the same Debian release as this machine (bookworm for the Dockerfiles'
defaults swift:6.3-bookworm and debian:bookworm-slim on Debian 12). An image of another release
(or an unknown base) makes the check fail rather than guess: package names differ between
releases (libssl3 vs libssl3t64, libsnappy1v5 ...). Binaries: $LAG_EXPORTER_BIN,
$CLUSTER_EXPORTER_BIN, $NODENET_EXPORTER_BIN, else `swift build --show-bin-path` (debug). Debug
builds link the same system libraries as the release build of the image (same module maps); they
link the Swift runtime dynamically, which step 2 accounts for.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Packages the binaries need at run time that `ldd` does not show, and why. Each applies when
# its trigger is true for the product: a shared library it links ("lib:" soname prefix) or a
# target of Package.swift it depends on ("target:").
RUNTIME_ONLY = [
    ("lib:libsasl2.so", "libsasl2-modules-gssapi-mit",
     "Cyrus SASL dlopen()s its mechanism plugins from /usr/lib/<triplet>/sasl2 at sasl_client_init;"
     " without this package sasl_client_start(\"GSSAPI\") fails with 'no mechanism available'"),
    ("target:KafkaWire", "ca-certificates",
     "the broker TLS client (NIOSSL) reads the system trust store /etc/ssl/certs when a tls"
     " config names no CA file"),
]
# Not listed because the base image has them: glibc's NSS modules (libnss_files, libnss_dns,
# dlopen()ed by getaddrinfo) are part of libc6. MIT Kerberos needs /etc/krb5.conf (or
# KRB5_CONFIG), a file the operator mounts, not a package.

ENV_BIN = {"lag-exporter": "LAG_EXPORTER_BIN", "cluster-exporter": "CLUSTER_EXPORTER_BIN",
           "nodenet-exporter": "NODENET_EXPORTER_BIN", "push-gateway": "PUSH_GATEWAY_BIN"}


class CheckError(Exception):
    pass


def run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    if shutil.which(cmd[0]) is None:
        raise CheckError(f"`{cmd[0]}` not found on PATH (needed for `{shlex.join(cmd)}`)")
    cp = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and cp.returncode != 0:
        raise CheckError(f"`{shlex.join(cmd)}` failed ({cp.returncode}): {cp.stderr.strip() or cp.stdout.strip()}")
    return cp


# ---------------------------------------------------------------- this machine's Debian

@functools.cache
def os_release() -> dict[str, str]:
    out = {}
    for line in Path("/etc/os-release").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v.strip('"')
    return out


@dataclass
class Pkg:
    name: str
    essential: bool = False
    priority: str = ""
    deps: list[list[str]] = field(default_factory=list)  # each inner list: alternatives


def parse_deps(text: str) -> list[list[str]]:
    """`a (>= 1), b:any | c` -> [["a"], ["b", "c"]] (versions and arch qualifiers dropped)."""
    out = []
    for clause in filter(None, (c.strip() for c in text.split(","))):
        alts = [re.split(r"[\s(:\[]", a.strip(), maxsplit=1)[0] for a in clause.split("|")]
        out.append([a for a in alts if a])
    return out


@functools.cache
def installed() -> dict[str, Pkg]:
    cp = run("dpkg-query", "-W", "-f",
             "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Pre-Depends}\t${Depends}\t${Provides}\n")
    pkgs: dict[str, Pkg] = {}
    provides: dict[str, str] = {}
    for line in cp.stdout.splitlines():
        name, status, ess, prio, pre, dep, prov = (line.split("\t") + [""] * 7)[:7]
        if not status.startswith("ii"):
            continue
        pkgs[name] = Pkg(name, ess == "yes", prio, parse_deps(pre) + parse_deps(dep))
        for v in parse_deps(prov):
            provides.setdefault(v[0], name)
    for virtual, real in provides.items():
        pkgs.setdefault(virtual, Pkg(virtual, deps=[[real]]))
    return pkgs


@functools.cache
def deps_of(name: str) -> list[list[str]]:
    """Depends + Pre-Depends of a package: dpkg's database, else apt's lists (not installed here)."""
    if name in installed():
        return installed()[name].deps
    cp = run("apt-cache", "show", "--no-all-versions", name, check=False)
    if cp.returncode != 0 or not cp.stdout.strip():
        raise CheckError(f"package {name} is neither installed here nor known to apt-cache "
                         "(a typo, or a package of another Debian release?)")
    fields = dict(re.findall(r"(?m)^(Pre-Depends|Depends): (.*)$", cp.stdout))
    return parse_deps(fields.get("Pre-Depends", "")) + parse_deps(fields.get("Depends", ""))


def closure(names: set[str]) -> set[str]:
    """The packages apt installs for `names`: Depends/Pre-Depends, recursively (the first
    alternative that is installed on this machine, else the first)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for alts in deps_of(n):
            pick = next((a for a in alts if a in installed()), alts[0])
            todo.append(pick)
    return seen


@functools.cache
def minbase() -> frozenset[str]:
    """debian:<release>-slim = debootstrap minbase: Essential + Priority required, with deps."""
    roots = {p.name for p in installed().values() if p.essential or p.priority == "required"}
    return frozenset(closure(roots))


_OWNERS: dict[str, str | None] = {}


def _candidates(path: str) -> list[str]:
    """The path, its /usr-merged twin and the same for its symlink target (dpkg knows one of them)."""
    cands = []
    for p in (path, os.path.realpath(path)):
        cands += [p, p[4:] if p.startswith("/usr/") else "/usr" + p]
    return list(dict.fromkeys(cands))


def prefetch_owners(paths) -> None:
    """One `dpkg -S` for many paths (each call reads dpkg's whole file list)."""
    todo = [c for p in paths for c in _candidates(p) if c not in _OWNERS]
    if not todo:
        return
    cp = run("dpkg", "-S", *todo, check=False)  # exits 1 when some path has no owner
    for c in todo:
        _OWNERS[c] = None
    for line in cp.stdout.splitlines():
        pkgs, _, owned = line.partition(": ")
        owned = owned.strip()
        if owned in _OWNERS and "diversion" not in pkgs and _OWNERS[owned] is None:
            _OWNERS[owned] = pkgs.split(",")[0].strip().split(":")[0]


def package_of(path: str) -> str | None:
    """The Debian package owning a file (`dpkg -S`)."""
    prefetch_owners([path])
    return next((_OWNERS[c] for c in _candidates(path) if _OWNERS.get(c)), None)


# ---------------------------------------------------------------- the Swift toolchain

@functools.cache
def swift_info() -> dict:
    return json.loads(run("swift", "-print-target-info").stdout)


def toolchain_lib_dirs() -> list[str]:
    return [os.path.realpath(p) for p in swift_info()["paths"]["runtimeLibraryPaths"]]


def static_dir() -> Path:
    return Path(swift_info()["paths"]["runtimeResourcePath"]).parent / "swift_static" / "linux"


@functools.cache
def native_lib_dirs() -> set[str]:
    """The directories of this machine's own architecture (not i386/x32 multilib)."""
    t = triplet()
    return {os.path.realpath(d) for d in (f"/usr/lib/{t}", f"/lib/{t}", "/usr/lib", "/lib")}


@functools.cache
def triplet() -> str:
    """The Debian multiarch triplet (x86_64-linux-gnu): dpkg-architecture (dpkg-dev) if there, else gcc."""
    if shutil.which("dpkg-architecture"):
        return run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
    return run("gcc", "-dumpmachine").stdout.strip()


@functools.cache
def ldconfig_paths() -> dict[str, str]:
    out = {}
    for line in run("ldconfig", "-p").stdout.splitlines()[1:]:
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and os.path.realpath(os.path.dirname(m.group(3))) in native_lib_dirs():
            out.setdefault(m.group(1), m.group(3))
    return out


def static_stdlib_system_libs() -> dict[str, str]:
    """-lX of static-stdlib-args.lnk (what --static-swift-stdlib adds to the link) -> library path."""
    lnk = static_dir() / "static-stdlib-args.lnk"
    if not lnk.is_file():
        raise CheckError(f"{lnk} missing: cannot tell what --static-swift-stdlib links")
    out = {}
    for lib in re.findall(r"(?m)(?:^|\s)-l(\S+)", lnk.read_text()):
        if (static_dir() / f"lib{lib}.a").exists():
            continue  # a toolchain archive (swiftCore, dispatch, BlocksRuntime): linked in
        so = next((p for n, p in ldconfig_paths().items() if n.startswith(f"lib{lib}.so")), None)
        if so is None:
            raise CheckError(f"static-stdlib-args.lnk links -l{lib}, not found by ldconfig -p")
        out[f"lib{lib}.so"] = so
    return out


# ---------------------------------------------------------------- Dockerfile

@dataclass
class Stage:
    line: int
    image: str
    name: str | None
    installs: dict[str, int] = field(default_factory=dict)  # package -> line of the install list
    install_line: int | None = None  # last line of the (first) apt-get install list
    runs: list[tuple[int, str]] = field(default_factory=list)
    copies: list[tuple[int, str]] = field(default_factory=list)


def instructions(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, joined text) of each instruction; comments and continuations handled."""
    out, buf, first = [], [], 0
    for i, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if buf and s.startswith("#"):
            continue  # a comment inside a continued instruction
        if not buf:
            first = i
        if s.endswith("\\"):
            buf.append(s[:-1])
            continue
        buf.append(s)
        out.append((first, i, " ".join(buf)))
        buf = []
    return out


def apt_packages(cmd: str, first: int, last: int, text_lines: list[str]) -> dict[str, int]:
    """Packages named by `apt-get install` in a RUN, each with the line it is on."""
    out = {}
    for seg in re.split(r"&&|;|\|\|", cmd):
        words = seg.split()
        if len(words) < 2 or "install" not in words or not any(w.endswith("apt-get") or w == "apt" for w in words):
            continue
        for w in words[words.index("install") + 1:]:
            if w.startswith("-") or "$" in w:
                continue  # options and ${EXTRA_PACKAGES} (empty by default)
            name = w.split("=")[0]
            line = next((n for n in range(first, last + 1)
                         if re.search(rf"(?<![\w.+-]){re.escape(w)}(?![\w.+-])", text_lines[n - 1])), first)
            out[name] = line
    return out


def parse_dockerfile(path: Path) -> tuple[list[Stage], dict[str, str]]:
    text = path.read_text()
    lines = text.splitlines()
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for first, last, ins in instructions(text):
        kw, _, rest = ins.partition(" ")
        kw = kw.upper()
        if kw == "ARG" and not stages:
            k, _, v = rest.strip().partition("=")
            args[k] = v.strip().strip('"')
        elif kw == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(first, image, name))
        elif kw == "RUN" and stages:
            stages[-1].runs.append((first, rest))
            pk = apt_packages(rest, first, last, lines)
            if pk and stages[-1].install_line is None:
                stages[-1].install_line = max(pk.values())
            stages[-1].installs.update(pk)
        elif kw == "COPY" and stages:
            stages[-1].copies.append((first, rest))
    if not stages:
        raise CheckError(f"{path}: no FROM")
    return stages, args


def image_release(image: str) -> str | None:
    """The Debian codename of debian:<codename>[-slim] and swift:<version>-<codename>[-slim]."""
    m = re.fullmatch(r"(?:docker\.io/)?(?:library/)?(debian|swift):([\w.-]+?)(?:@sha256:\w+)?", image)
    if not m:
        return None
    tag = m.group(2).removesuffix("-slim")
    codename = tag.rsplit("-", 1)[-1] if m.group(1) == "swift" else tag
    return codename if re.fullmatch(r"[a-z]+", codename) else None


# ---------------------------------------------------------------- the checks

def binary_for(product: str) -> Path:
    env = os.environ.get(ENV_BIN.get(product, ""), "")
    p = Path(env) if env else Path(bin_path()) / product
    if not (p.is_file() and os.access(p, os.X_OK)):
        raise CheckError(f"{product}: no built binary at {p} (build it, or set {ENV_BIN.get(product, '?')})")
    return p


@functools.cache
def bin_path() -> str:
    cp = subprocess.run(["swift", "build", "--show-bin-path"], capture_output=True, text=True, cwd=REPO)
    if cp.returncode != 0:
        raise CheckError("swift build --show-bin-path failed: " + cp.stderr.strip())
    return cp.stdout.strip()


@functools.cache
def needed(binary: Path) -> set[str]:
    """The binary's own DT_NEEDED entries (ldd lists their dependencies too)."""
    out = run("readelf", "-d", str(binary)).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


@functools.cache
def ldd(binary: Path) -> dict[str, str]:
    """soname -> resolved path; a library ldd cannot find is an error (the binary would not start here)."""
    out = {}
    for line in run("ldd", str(binary)).stdout.splitlines():
        s = line.strip()
        if "=> not found" in s:
            raise CheckError(f"{binary}: ldd cannot resolve {s.split()[0]}")
        m = re.match(r"(\S+) => (\S+) \(", s)
        if m:
            out[m.group(1)] = m.group(2)
        elif re.match(r"/\S+ \(", s):  # the dynamic loader
            out[Path(s.split()[0]).name] = s.split()[0]
    return out


@functools.cache
def manifest() -> dict:
    # A scratch path of its own: reading the manifest must not wait for the lock of a running build.
    with tempfile.TemporaryDirectory(prefix="check-images-") as scratch:
        cp = subprocess.run(["swift", "package", "--scratch-path", scratch, "dump-package"],
                            capture_output=True, text=True, cwd=REPO)
    if cp.returncode != 0:
        raise CheckError("swift package dump-package failed: " + cp.stderr.strip())
    return json.loads(cp.stdout)


def product_targets(product: str) -> list[dict]:
    """The package's own targets a product depends on, transitively."""
    targets = {t["name"]: t for t in manifest()["targets"]}
    prod = next((p for p in manifest()["products"] if p["name"] == product), None)
    if prod is None:
        raise CheckError(f"no product {product} in Package.swift")
    seen: dict[str, dict] = {}
    todo = list(prod["targets"])
    while todo:
        n = todo.pop()
        if n in seen or n not in targets:
            continue
        seen[n] = targets[n]
        for d in targets[n]["dependencies"]:
            for kind in ("byName", "target"):
                if kind in d:
                    todo.append(d[kind][0])
    return list(seen.values())


@functools.cache
def build_needs(product: str) -> dict[str, list[str]]:
    """-dev package -> why, for the product's system-library targets."""
    needs: dict[str, list[str]] = {}

    def need(path: str | None, why: str) -> None:
        pkg = package_of(path) if path else None
        if pkg is None:
            raise CheckError(f"{why}: {path or 'not found'} belongs to no Debian package on this machine")
        if why not in needs.setdefault(pkg, []):
            needs[pkg].append(why)

    for t in product_targets(product):
        if t["type"] != "system":
            continue
        tdir = REPO / (t.get("path") or f"Sources/{t['name']}")
        modmap = (tdir / "module.modulemap").read_text()
        inc_dirs, lib_dirs = [], []
        if t.get("pkgConfig"):
            pc = t["pkgConfig"]
            need(shutil.which("pkg-config"), "the pkg-config command (Package.swift pkgConfig:)")
            cp = run("pkg-config", "--path", pc, check=False)
            need(cp.stdout.strip() if cp.returncode == 0 else None, f"{t['name']}: pkg-config {pc}")
            inc_dirs = [f[2:] for f in run("pkg-config", "--cflags-only-I", pc).stdout.split()]
            lib_dirs = [f[2:] for f in run("pkg-config", "--libs-only-L", pc).stdout.split()]
        inc_dirs += [f"/usr/include/{triplet()}", "/usr/include"]
        lib_dirs += [f"/usr/lib/{triplet()}", f"/lib/{triplet()}", "/usr/lib", "/lib"]
        for header in re.findall(r'header\s+"([^"]+)"', modmap):
            for inc in re.findall(r"(?m)^\s*#\s*include\s*<([^>]+)>", (tdir / header).read_text()):
                hit = next((str(Path(d) / inc) for d in inc_dirs if (Path(d) / inc).is_file()), None)
                need(hit, f"{t['name']}: #include <{inc}>")
        for lib in re.findall(r'link\s+"([^"]+)"', modmap):
            hit = next((str(Path(d) / f"lib{lib}.so") for d in lib_dirs if (Path(d) / f"lib{lib}.so").exists()), None)
            need(hit, f"{t['name']}: link \"{lib}\" (lib{lib}.so)")
    return needs


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_release(df: str, st: Stage, what: str, rep: Report) -> bool:
    here = os_release().get("VERSION_CODENAME", "?")
    rel = image_release(st.image)
    if rel != here:
        rep.errors.append(
            f"{df}:{st.line}: {what} stage FROM {st.image}: "
            + (f"Debian {rel}" if rel else "not a Debian image this check knows")
            + f", but the library -> package mapping comes from this machine ({os_release().get('PRETTY_NAME')},"
              f" {here}); run the check on a {rel or 'matching'} machine or use a {here} image")
        return False
    return True


def missing_roots(missing: set[str]) -> list[str]:
    """The missing packages whose installation brings in the others (what to add)."""
    return sorted(m for m in missing if not any(m != o and m in closure({o}) for o in missing))


def check_dockerfile(path: Path) -> Report:
    rep = Report()
    df = os.path.relpath(path, REPO) if path.is_relative_to(REPO) else str(path)
    stages, _ = parse_dockerfile(path)
    build = next((s for s in stages if any("swift build" in r for _, r in s.runs)), None)
    if build is None:
        rep.errors.append(f"{df}: no stage runs `swift build`")
        return rep
    runtime = stages[-1]
    m = next((re.search(r"--product[ =](\S+)", r) for _, r in build.runs if "--product" in r), None)
    if not m:
        rep.errors.append(f"{df}:{build.line}: `swift build` without --product: cannot tell the binary")
        return rep
    product = m.group(1)
    static = any("--static-swift-stdlib" in r for _, r in build.runs if "swift build" in r)

    # ---- build stage
    if check_release(df, build, "build", rep):
        have = closure(set(build.installs)) | minbase()
        needs = build_needs(product)
        missing = {p for p in needs if p not in have}
        for pkg in missing_roots(missing):
            where = f"line {build.install_line}" if build.install_line else f"a RUN apt-get install after line {build.line}"
            rep.errors.append(
                f"{df}: build stage (FROM {build.image}, line {build.line}) does not install {pkg}, needed for "
                f"{'; '.join(needs[pkg])}. Add `{pkg}` to its apt-get install list ({where}).")
        rep.notes.append(f"build stage needs {', '.join(sorted(needs)) or 'no -dev package (no system-library target)'}"
                         + (": ok" if not missing else f": missing {', '.join(sorted(missing))}"))

    # ---- runtime stage
    if not check_release(df, runtime, "runtime", rep):
        return rep
    binary = binary_for(product)
    libs = ldd(binary)
    toolchain = toolchain_lib_dirs()
    swift_from_image = re.match(r"(?:docker\.io/)?(?:library/)?swift:", runtime.image) is not None
    swift_copied = any(re.search(r"--from=\S+\s+/usr/lib/swift(/linux)?/?\s", c + " ") for _, c in runtime.copies)
    needs: dict[str, list[str]] = {}
    direct: set[str] = set()  # packages of libraries the binary itself names, and RUNTIME_ONLY ones
    own = needed(binary)
    no_swift: list[str] = []
    prefetch_owners(libs.values())
    for soname, lib in sorted(libs.items()):
        real = os.path.realpath(lib)
        if any(real.startswith(d + os.sep) for d in toolchain):
            if swift_from_image or swift_copied:
                continue  # the image has the Swift runtime
            if static:
                archive = static_dir() / (soname.split(".so")[0] + ".a")
                if not archive.exists():
                    rep.errors.append(f"{df}: {product} loads {soname} from the Swift toolchain and the build links "
                                      f"the Swift runtime statically, but {archive} does not exist: the image lacks it")
                continue
            no_swift.append(soname)
            continue
        pkg = package_of(lib)
        if pkg is None:
            rep.errors.append(f"{df}: {product} loads {lib}, which belongs to no Debian package on this machine "
                              "(a locally built library?): the image cannot get it from apt")
            continue
        needs.setdefault(pkg, []).append(soname if soname in own else f"{soname} (indirect)")
        if soname in own:
            direct.add(pkg)
    if no_swift:
        build_line = next((n for n, r in build.runs if "swift build" in r), build.line)
        rep.errors.append(
            f"{df}: {product} loads the Swift runtime ({', '.join(no_swift)}) and the runtime stage (line "
            f"{runtime.line}) has none: add --static-swift-stdlib to the `swift build` of line {build_line}, "
            "start the runtime stage FROM a swift:*-slim image, or COPY --from=<build stage> "
            "/usr/lib/swift/linux /usr/lib/swift/linux")
    if static:
        for soname, lib in static_stdlib_system_libs().items():
            pkg = package_of(lib)
            if pkg:
                needs.setdefault(pkg, []).append(f"{soname} (--static-swift-stdlib)")
                direct.add(pkg)
    targets = {t["name"] for t in product_targets(product)}
    for trigger, pkg, why in RUNTIME_ONLY:
        kind, _, what = trigger.partition(":")
        if (kind == "lib" and any(s.startswith(what) for s in libs)) or (kind == "target" and what in targets):
            needs.setdefault(pkg, []).append(f"a run-time need ldd cannot see: {why}")
            direct.add(pkg)
    have = closure(set(runtime.installs)) | minbase()
    missing = {p for p in needs if p not in have}
    # Name every missing package the binary needs itself; a library needed only through another
    # (libkrb5-3 through libgssapi-krb5-2) only when no named package brings it.
    named = sorted(missing & direct)
    named += [r for r in missing_roots(missing - direct) if not any(r in closure({n}) for n in named)]
    where = f"line {runtime.install_line}" if runtime.install_line else f"a RUN apt-get install after line {runtime.line}"
    for pkg in named:
        rep.errors.append(
            f"{df}: runtime stage (FROM {runtime.image}, line {runtime.line}) does not install {pkg}, needed by "
            f"{product} for {'; '.join(needs[pkg])}. Add `{pkg}` to its apt-get install list ({where}).")
    in_base = sorted(p for p in needs if p in minbase() and p not in runtime.installs)
    extra = sorted(p for p in runtime.installs if p not in needs and not any(p in closure({n}) for n in needs))
    rep.notes.append(f"runtime of {binary}: needs {', '.join(sorted(needs))}"
                     + (f" ({', '.join(in_base)} from the base image)" if in_base else "")
                     + (": ok" if not missing else f": missing {', '.join(sorted(missing))}"))
    if extra:
        rep.notes.append(f"the runtime stage also installs {', '.join(extra)}, which {product} does not need")
    return rep


def self_test(files: list[Path]) -> int:
    """The check must be able to fail: each package of each stage's apt-get install list is
    removed in turn (in a copy); when that makes the check fail, the error must name the package
    (or one it brings). At least one removal must fail, else the check has no teeth. A removal
    may pass: the package is then in the base image or brought by another one."""
    bad, failing = [], 0
    with tempfile.TemporaryDirectory(prefix="check-images-self-test-") as tmp:
        for f in files:
            lines = f.read_text().splitlines(keepends=True)
            stages, _ = parse_dockerfile(f)
            for st in stages:
                for pkg, line in st.installs.items():
                    mutated = list(lines)
                    mutated[line - 1] = re.sub(rf"(?<![\w.+-]){re.escape(pkg)}(?![\w.+-])", "", mutated[line - 1])
                    copy = Path(tmp) / f.name
                    copy.write_text("".join(mutated))
                    errors = check_dockerfile(copy).errors
                    if not errors:
                        verdict = "still ok (not needed, or in the base image or brought by another package)"
                    elif any(f"does not install {p}," in e for p in closure({pkg}) for e in errors):
                        failing += 1  # named, or what it brings (pkg-config -> pkgconf: the command)
                        verdict = "fails, naming it"
                    else:
                        bad.append(f"{f.name}: without {pkg} (line {line}) the check fails without naming it: {errors}")
                        verdict = "fails WITHOUT naming it"
                    print(f"  {f.name} FROM {st.image}: without {pkg}: {verdict}")
    for b in bad:
        print(f"  ERROR: {b}")
    if failing == 0:
        print("  ERROR: no removal made the check fail: it cannot detect a missing package")
    ok = not bad and failing > 0
    print(f"check-images self-test: {'ok' if ok else 'FAILED'} ({failing} removals detected)")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dockerfile", action="append", type=Path,
                    help="check this Dockerfile (repeatable; default: deploy/docker/*.Dockerfile)")
    ap.add_argument("--self-test", action="store_true",
                    help="remove each installed package in turn from copies of the Dockerfiles: "
                         "the check must fail and name it when it is needed")
    a = ap.parse_args()
    files = a.dockerfile or sorted((REPO / "deploy" / "docker").glob("*.Dockerfile"))
    if not files:
        print("check-images: no Dockerfiles found", file=sys.stderr)
        return 1
    if a.self_test:
        try:
            return self_test([f.resolve() for f in files])
        except CheckError as e:
            print(f"check-images self-test: {e}", file=sys.stderr)
            return 1
    failed = False
    for f in files:
        try:
            rep = check_dockerfile(f.resolve())
        except CheckError as e:
            rep = Report(errors=[f"{f}: {e}"])
        print(f"{'FAIL' if rep.errors else 'ok  '} {f.name}")
        for n in rep.notes:
            print(f"     {n}")
        for e in rep.errors:
            print(f"  ERROR: {e}")
        sys.stdout.flush()
        failed |= bool(rep.errors)
    if failed:
        print("check-images: FAILED (see ERROR lines; deploy/README.md, 'Image dependency check')", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
