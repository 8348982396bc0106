# Tries to take over the warm parent its process was forked from, to change how later
# submissions are graded: ptrace it, write its memory, read its memory.
import ctypes
import os

parent = os.getppid()
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
if libc.ptrace(PTRACE_ATTACH, parent, None, None) == 0:
    print("LEAK ptrace attached")
for mode in ("rb", "r+b"):
    try:
        with open(f"/proc/{parent}/mem", mode) as f:
            f.seek(0x400000)
            f.read(1)
            print("LEAK", mode)
    except OSError:
        pass
