"""The web app's search page against the search it shows: each query is timed in process
(``service.catalogue.suggest`` on its draft, as the page calls it) and as a page (``GET /<lang>/search`` from a
real uvicorn server on loopback, HTML rendered, in ar/fr/en). The page's overhead (parsing, rendering, the
labels of every result, HTTP) is the difference of the medians; the target is 20 ms.

Both run on the bundled sample data with the real encoder; every query is run once before timing, so both
find its vector in the embedding cache and neither pays for encoding.

``python -m bench.web [--quick]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import common
from bench.common import ROOT, RUNS, Figure

SECTION = "web"
QUERIES = (  # (page language, text, the asker's country)
    ("ar", "موزع في فرنسا للأواني الخزفية المصنوعة يدويا", "MA"),
    ("fr", "studio de design graphique pour créer l'identité visuelle et l'emballage de nos produits", "TN"),
    ("en", "a film co-producer for a documentary about Mediterranean crafts", "LB"),
    ("fr", "distributeur de bijoux en argent en Europe", "LB"),
    ("ar", "شريك لإنتاج مهرجان موسيقي في تونس", "TN"),
    ("en", "interior designers buying handmade zellige tiles", "MA"),
)


def run(*, quick: bool) -> list[Figure]:
    import threading

    import uvicorn

    from service import params
    from service.catalogue import Catalogue, ingest, suggest
    from service.http import create_app
    from service.settings import Settings
    from storage.files import read_records

    runs = 3 if quick else RUNS
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "web.db"))
        cat = Catalogue.open(settings)
        ingest(cat, read_records(ROOT / "data" / "sample_profiles.csv"), atomic=True)
        app = create_app(settings, catalogue=cat)
        with socket_port() as port:
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            try:
                inproc, page = [], []
                for lang, text, home in QUERIES:
                    url = (f"http://127.0.0.1:{port}/{lang}/search?"
                           + urllib.parse.urlencode({"q": text, "home": home}))

                    def direct(text: str = text, home: str = home) -> object:
                        return suggest(cat, params.draft(text, country_=home), k=10)

                    def fetch(url: str = url) -> object:
                        with urllib.request.urlopen(url, timeout=60) as response:
                            body = response.read()
                        assert b'class="result"' in body
                        return body

                    inproc.append(common.median_seconds(direct, runs=runs))
                    page.append(common.median_seconds(fetch, runs=runs))
            finally:
                server.should_exit = True
                thread.join(10)
    suggest_ms, page_ms = 1000 * statistics.median(inproc), 1000 * statistics.median(page)
    note = f"median over {len(QUERIES)} queries (ar, fr, en) of the median of {runs} runs each, sample data"
    return [Figure(section=SECTION, name="search: in-process suggest", value=round(suggest_ms, 2), unit="ms",
                   note=note),
            Figure(section=SECTION, name="search: page (HTTP + render)", value=round(page_ms, 2), unit="ms",
                   note=note),
            Figure(section=SECTION, name="search page overhead over suggest", value=round(page_ms - suggest_ms, 2),
                   unit="ms", target=20.0, op="<=", note="page median minus in-process median")]


class socket_port:
    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(common.table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
