"""``aekit serve`` / ``aekit explore``: trained runs behind HTTP, and the page that uses them.

* :mod:`aekit.serve.service` — one loaded run as a service: which operations its
  declared capabilities allow, the numpy functions behind them, and the page's data
  (the latent map of the test split, the anomaly list);
* :mod:`aekit.serve.batching` — coalesces concurrent requests to one model into one
  forward pass (dynamic batching with a small timeout);
* :mod:`aekit.serve.uploads` — request bodies to arrays, with every limit checked
  before any decoding (a PNG that declares 20000×20000 is refused from its header);
* :mod:`aekit.serve.app` — the FastAPI application (endpoints, errors, the API key);
* :mod:`aekit.serve.server` — uvicorn, the bind rules and a clean shutdown.

FastAPI and uvicorn are the ``aekit[serve]`` extra; nothing here is imported by the
layers below (the ``apps`` layer of docs/architecture.md).
"""
