#!/usr/bin/env python3
"""An independent SCRAM server (PyPI scramp) for the SCRAMSession tests.

Usage: scram_server.py MECHANISM USER PASSWORD
Reads one base64 client message per stdin line, writes one base64 server message per stdout
line: server-first, then server-final (or a line starting with "ERROR " on failure).
"""
import base64
import sys

from scramp import ScramMechanism

mech_name, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
mech = ScramMechanism(mech_name)
salt, stored_key, server_key, iterations = mech.make_auth_info(password, iteration_count=4096)


def auth_fn(username):
    if username != user:
        raise KeyError(username)
    return salt, stored_key, server_key, iterations


server = mech.make_server(auth_fn)
try:
    server.set_client_first(base64.b64decode(sys.stdin.readline()).decode())
    print(base64.b64encode(server.get_server_first().encode()).decode(), flush=True)
    server.set_client_final(base64.b64decode(sys.stdin.readline()).decode())
    print(base64.b64encode(server.get_server_final().encode()).decode(), flush=True)
except Exception as e:  # report, do not hang the test
    print("ERROR " + str(e), flush=True)
    sys.exit(1)
