"""A reverse proxy for the Docker tier, run in a python:X-slim container.

    python forwarding_proxy.py UPSTREAM_HOST:PORT

Listens on 8080 and forwards every GET to the upstream the way a TLS-ending
proxy does: the client's Host header, plus X-Forwarded-Proto: https and
X-Forwarded-For. Standard library only.
"""

import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1]


class Forward(BaseHTTPRequestHandler):
    def do_GET(self):
        upstream = http.client.HTTPConnection(UPSTREAM, timeout=10)
        headers = {
            "Host": self.headers.get("Host", UPSTREAM),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_address[0],
        }
        try:
            upstream.request("GET", self.path, headers=headers)
            response = upstream.getresponse()
            status, body = response.status, response.read()
            content_type = response.getheader("Content-Type", "application/octet-stream")
        except OSError as error:
            status, body, content_type = 502, str(error).encode(), "text/plain"
        finally:
            upstream.close()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("0.0.0.0", 8080), Forward).serve_forever()
