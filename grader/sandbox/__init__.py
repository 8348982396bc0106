"""Running untrusted code: the warm zygotes, the children they fork, the jail around both, and
the typed protocol and framing between those processes and the grader."""
