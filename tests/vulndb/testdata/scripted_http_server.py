#!/usr/bin/env python3
"""A plain-HTTP server on 127.0.0.1 that answers each request with the next scripted response.

Used by tests/vulndb/fetch_test.cc for what nginx will not do on demand: 5xx then 200, 429 with
Retry-After, bodies shorter than their Content-Length, broken chunked encoding.

  scripted_http_server.py DIR

DIR/script.json is a list of responses, served in order (the last one repeats):
  {"status": 200, "headers": [["Name", "value"], ...], "body": "text",
   "content_length": N   -- send this Content-Length instead of the body's length, then close
                            (null: send none; the body ends where the connection does)
   "chunked": true       -- send the body with Transfer-Encoding: chunked
   "truncate": true      -- with chunked: stop after the first chunk and close (no last chunk)
   "repeat": N           -- with chunked: send the body N times (N chunks)}
The server binds port 0 and writes the port to DIR/port; it appends one JSON line per request
({"path": ..., "headers": {...}}) to DIR/requests.log. Every response closes the connection.
"""
import json
import os
import socket
import sys


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return {"method": parts[0], "path": parts[1] if len(parts) > 1 else "", "headers": headers}


def respond(conn, item):
    status = item.get("status", 200)
    body = item.get("body", "").encode()
    head = ["HTTP/1.1 %d Scripted" % status, "Connection: close"]
    for name, value in item.get("headers", []):
        head.append("%s: %s" % (name, value))
    if item.get("chunked"):
        head.append("Transfer-Encoding: chunked")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for i in range(item.get("repeat", 1)):
            conn.sendall(b"%x\r\n" % len(body) + body + b"\r\n")
            if item.get("truncate"):
                return
        conn.sendall(b"0\r\n\r\n")
        return
    length = item.get("content_length", len(body))
    if length is not None:
        head.append("Content-Length: %d" % length)
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "script.json")) as f:
        script = json.load(f)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port_file = os.path.join(folder, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    served = 0
    while True:
        conn, _ = server.accept()
        try:
            request = read_request(conn)
            if request is None:
                continue
            with open(os.path.join(folder, "requests.log"), "a") as log:
                log.write(json.dumps(request) + "\n")
            respond(conn, script[min(served, len(script) - 1)])
            served += 1
        except OSError:
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    main()
