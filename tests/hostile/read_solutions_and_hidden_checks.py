# Tries to read the reference solution and the hidden checks from disk, and to list the
# course repository around the grader.
import os

for path in ("$solution", "$hidden"):
    try:
        with open(path) as f:
            print("LEAK", path, f.read(40))
    except OSError:
        pass
try:
    seen = set(os.listdir("$repository")) & {"solutions", "assignments", "tests", "README.md"}
    if seen:
        print("LEAK", sorted(seen))
except OSError:
    pass
