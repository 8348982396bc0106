# Writes a fake result.json and report into the folder above its work dir.
for name in ("../result.json", "../report.html"):
    try:
        with open(name, "w") as f:
            f.write("$tag")
    except OSError:
        pass
