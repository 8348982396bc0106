# Writes files into the grader's temporary folder and the test's own folder.
for path in ("$marker", "/tmp/$tag"):
    try:
        with open(path, "w") as f:
            f.write("forged")
    except OSError:
        pass
