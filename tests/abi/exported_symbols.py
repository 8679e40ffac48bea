#!/usr/bin/python3
"""Fails when libtensorio.so exports anything outside the public API.

    exported_symbols.py LIBTENSORIO_SO INCLUDE_DIR

The public API is what include/tensorio/ declares: every exported C++ symbol must belong to a
class, struct or function named in a public header (its type information and vtable included),
and every exported C symbol must be a tio_ function declared in tensorio.h. Anything else —
tensorio::detail internals, the opaque TensorRecord / ArchiveState / Gguf*State types, Boost,
RapidJSON, standard-library template instances — is a failure, listed by name. The test also
fails when a few entry points every user needs are missing, so that it cannot pass on an empty
or mis-built library.
"""
import glob
import os
import re
import subprocess
import sys

lib, include_dir = sys.argv[1], sys.argv[2]

# Names that the public headers only declare opaque (or befriend): never exported.
OPAQUE = {"TensorRecord", "ArchiveState", "GgufFileState", "GgufArrayIndex", "GgufAccess", "Internals"}

public = set()
c_functions = set()
for path in glob.glob(os.path.join(include_dir, "tensorio", "*")):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    for m in re.finditer(r"\b(?:class|struct|enum class|enum)\s+(?:TENSORIO_API\s+)?(\w+)\s*[:{]", text):
        public.add(m.group(1))
    for m in re.finditer(r"\b(\w+)\s*\(", text):
        public.add(m.group(1))
    if path.endswith(".h"):
        c_functions.update(re.findall(r"\b(tio_\w+)\s*\(", text))
public -= OPAQUE

out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True,
                     text=True).stdout
raw = [line.split()[-1] for line in out.splitlines() if line.strip()]
demangled = subprocess.run(["c++filt"], input="\n".join(raw), check=True, capture_output=True,
                           text=True).stdout.splitlines()

# Symbols every ELF shared object defines.
LINKER = {"_init", "_fini", "__bss_start", "_edata", "_end"}

bad = []
cxx = 0
for mangled, name in zip(raw, demangled):
    # Sanitizer and coverage builds add their runtime's bookkeeping symbols.
    if mangled in LINKER or mangled.startswith(("__asan", "__odr_asan", "__sancov", "__tsan", "__ubsan")):
        continue
    if mangled.startswith("tio_"):
        if c_functions and mangled not in c_functions:
            bad.append(f"{name}: a tio_ symbol not declared in tensorio.h")
        continue
    bare = re.sub(r"^(typeinfo name for|typeinfo for|vtable for|VTT for|guard variable for) ", "", name)
    if "detail" in name or any(re.search(rf"\b{o}\b", name) for o in OPAQUE):
        bad.append(f"{name}: internal")
        continue
    m = re.match(r"^(?:[\w:<>,\s\*&]+\s)?tensorio::(\w+)", bare)
    if not m:
        bad.append(f"{name}: not in namespace tensorio")
        continue
    if m.group(1) not in public:
        bad.append(f"{name}: tensorio::{m.group(1)} is not declared in a public header")
        continue
    cxx += 1

required = ["tensorio::load(", "tensorio::save(", "tensorio::Archive::at(", "tensorio::TensorView::data()",
            "typeinfo for tensorio::Error"]
for r in required:
    if not any(r in n for n in demangled):
        bad.append(f"missing public entry point: {r}")

print(f"{len(raw)} exported symbols: {cxx} C++ public, "
      f"{sum(1 for r in raw if r.startswith('tio_'))} C API")
if bad:
    print("exported symbols outside the public API:")
    for b in bad:
        print("  " + b)
    sys.exit(1)
