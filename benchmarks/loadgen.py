"""Load generator, run as its own process by benchmarks/api.py: closed-loop POSTs over one
keep-alive connection per worker thread; prints latencies (microseconds) as JSON."""

from __future__ import annotations

import json
import sys
import threading
import time

import httpx


def main() -> None:
    url, token, query, count, workers = (
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        int(sys.argv[4]),
        int(sys.argv[5]),
    )
    body = json.dumps({"query": query}).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        mine: list[float] = []
        with httpx.Client(headers=headers, timeout=60) as client:
            client.post(url, content=body)  # connection set-up is not part of the figure
            for _ in range(n):
                t = time.perf_counter_ns()
                r = client.post(url, content=body)
                mine.append((time.perf_counter_ns() - t) / 1000)
                if r.status_code != 200 or "errors" in r.json():
                    raise SystemExit(f"bad response: {r.text[:300]}")
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(count // workers,)) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"latencies_us": latencies, "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
