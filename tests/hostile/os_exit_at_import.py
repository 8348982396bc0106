# Ends the process with os._exit(0) during the import: no Python cleanup, no frames.
import os

os._exit(0)
