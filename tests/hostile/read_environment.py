# Looks for the grader's secrets in its own environment.
import os

for name, value in os.environ.items():
    if "$tag" in value or "TOKEN" in name:
        print("LEAK", name, value)
