# Tries to read another student's submission and other children's work dirs.
import glob
import os

try:
    with open("$other") as f:
        print("LEAK", f.read())
except OSError:
    pass
mine = os.path.realpath(".")
for folder in glob.glob("/tmp/grade-*"):
    if os.path.realpath(folder) != mine:
        try:
            print("LEAK", folder, os.listdir(folder))
        except OSError:
            pass
