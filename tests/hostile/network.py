# Opens a connection to a server on the host's loopback.
import socket

try:
    socket.create_connection(("127.0.0.1", $port), timeout=2).close()
    print("LEAK connected")
except OSError:
    pass
