# Reads the grader's environment and command line through /proc, and tries to signal it.
import os

for pid in [os.getppid(), $grader_pid] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    for name in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                if b"$tag" in f.read():
                    print("LEAK", pid, name)
        except OSError:
            pass
try:
    os.kill($grader_pid, 0)  # signal 0: only asks whether it could be signalled
    print("LEAK can signal the grader")
except OSError:
    pass
