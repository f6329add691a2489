#!/usr/bin/env python3
"""A fake QMP server for tests/cli/preflight.sh: serves the replies of a snapshot's
qmp.json and logs every command it receives, one per line.
usage: fake_qmp.py SOCKET QMP_JSON LOG   (serve one client, then exit)
       fake_qmp.py SOCKET --silent       (accept, never greet: a busy monitor)"""
import json
import os
import socket
import sys
import time

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if os.path.exists(path):
    os.unlink(path)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
if sys.argv[2] == "--silent":
    time.sleep(10)
    sys.exit(0)
facts = json.load(open(sys.argv[2]))
log = open(sys.argv[3], "w")
replies = {"qmp_capabilities": {}, "x-query-ramblock": {"human-readable-text": facts["ramblock"]},
           "query-memdev": facts["memdev"], "qom-list": facts["objects"]}
conn.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
buf = b""
while True:
    data = conn.recv(65536)
    if not data:
        break
    buf += data
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        msg = json.loads(line)
        name, args = msg["execute"], msg.get("arguments", {})
        log.write(name + (" " + args["path"] + " " + args["property"]
                          if name == "qom-get" else "") + "\n")
        log.flush()
        if name == "qom-get" and args["property"] == "aux-ram-share":
            ret = facts["aux-ram-share"]
        elif name == "qom-get" and args["property"] == "mem-path":
            ret = facts["mem-path"][args["path"].split("/")[-1]]
        elif name in replies:
            ret = replies[name]
        else:
            conn.sendall(b'{"error": {"class": "CommandNotFound", "desc": "no"}}\n')
            continue
        # an event first: the client must skip it
        conn.sendall(b'{"event": "X", "data": {}}\n' + json.dumps({"return": ret}).encode()
                     + b"\n")
