# Deletes every file in its work dir at import, its own source included.
import os
import shutil

for name in os.listdir("."):
    shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)
