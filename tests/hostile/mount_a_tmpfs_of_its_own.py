# Creates a user namespace of its own, mounts a tmpfs there beside the capped /tmp and
# /dev/shm, and writes 300 MiB to it in 1 MiB files: memory the scratch cap would not count.
import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_target = "/tmp/$tag"
if _libc.unshare(0x10000000 | 0x00020000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
    for _name, _text in (("setgroups", "deny"), ("uid_map", f"{os.getuid()} {os.getuid()} 1"),
                         ("gid_map", f"{os.getgid()} {os.getgid()} 1")):
        try:
            with open(f"/proc/self/{_name}", "w") as _f:
                _f.write(_text)
        except OSError:
            pass
    os.makedirs(_target, exist_ok=True)
    if _libc.mount(b"tmpfs", _target.encode(), b"tmpfs", 0, b"size=1g") == 0:
        # Mounted: the hole is open, whether or not this user may write there (root, whose
        # uid cannot be mapped into a namespace of its own without capabilities, may not).
        print("LEAK: mounted a tmpfs of its own")
        try:
            for _i in range(300):
                with open(f"{_target}/fill{_i}", "wb") as _f:
                    _f.write(b"\0" * (1 << 20))
            print("LEAK: wrote 300 MiB to a tmpfs of its own")
        except OSError:
            pass
