"""What comes in: a path, a notebook, a folder of a class's submissions → the module to grade."""
