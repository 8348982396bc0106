# A bounded fork bomb at import: forty sleeping processes, each named by the tag.
import os

for _ in range(40):
    try:
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "$tag"])
    except OSError:
        break
