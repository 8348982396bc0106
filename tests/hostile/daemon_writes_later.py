# Leaves a daemon behind at import that writes a file after the grading is over.
import os

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(2)
        with open("$marker", "w") as f:
            f.write("written by a daemon")
    os._exit(0)
