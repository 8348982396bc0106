# Lifts its own memory, CPU and file-size limits at import.
import resource

for limit in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE):
    try:
        resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print("LEAK", limit)
    except (OSError, ValueError):
        pass
