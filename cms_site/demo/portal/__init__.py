"""A plain static "portal" page, served on its own port, that embeds region 1's widgets.

    python -m cms_site.demo.portal --port 8001 --site http://127.0.0.1:8000

``make demo`` runs it beside the site. It stands for a region's existing portal:
nothing here knows about Django; the page holds only the one-line snippets.
"""

import argparse
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = Path(__file__).with_name("index.html")


class PortalHandler(BaseHTTPRequestHandler):
    def __init__(self, *args, site, **kwargs):
        self.site = site
        super().__init__(*args, **kwargs)

    def do_GET(self):
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404)
            return
        body = PAGE.read_text(encoding="utf-8").replace("{{SITE}}", self.site).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def server(port, site, host="127.0.0.1"):
    """An HTTP server for the portal page (``serve_forever()`` it, in a thread if need be)."""
    return ThreadingHTTPServer((host, port), partial(PortalHandler, site=site.rstrip("/")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--site", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    print(f"  Portal (embeds region 1): http://127.0.0.1:{args.port}/")
    server(args.port, args.site).serve_forever()


if __name__ == "__main__":
    main()
