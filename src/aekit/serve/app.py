"""The FastAPI application of ``aekit serve``: one set of endpoints per loaded run.

``GET /runs`` lists the runs and what each can do; ``POST /runs/{run}/{operation}``
runs one operation (see :mod:`aekit.serve.service` for which a run offers and why).
Image outputs are PNG by default (several images: one strip), or ``?format=json``
(base64 PNG data URLs, what the page uses) or ``?format=array`` (floats in [0, 1]).
``GET /`` is the explorer page; ``/docs`` the OpenAPI documentation.

Errors: a bad request gets a 4xx with ``{"error": "<one line>"}`` and the server goes on
serving; a 500 (``{"error": "internal error …"}``, traceback in the server's log) means
a bug in aekit. With an API key every request must carry it (header ``X-API-Key``,
``Authorization: Bearer``, or the cookie the page gets from ``/?key=…``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aekit import __version__
from aekit.errors import AekitError
from aekit.serve.batching import Batcher
from aekit.serve.service import RunService
from aekit.serve.uploads import (
    IMAGE_TYPES,
    Limits,
    RequestError,
    check_count,
    codes_from_json,
    data_url,
    decode_upload,
    images_from_json,
    parse_json,
    png_bytes,
)

log = logging.getLogger("aekit.serve")
COOKIE = "aekit_key"
FORMATS = ("png", "json", "array")
TOP_ANOMALIES = 24
BATCH_PIXELS = 128 * 128  # restoration: images per call ≤ this many pixels in all (CPU)

_IMAGE_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {"image": {
        "type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {"type": "object", "properties": {"images": {
        "type": "array", "description": "arrays of the run's sample shape, values in [0, 1]",
        "items": {}}}}},
}}}


class DecodeBody(BaseModel):
    """Codes to decode (one list of ``code_size`` numbers each)."""

    codes: list[list[float]] = Field(description="codes, each of the run's code length")
    labels: list[int] | None = Field(None, description="class per code (supervised aae)")


class GenerateBody(BaseModel):
    """How many prior samples, and the seed that makes them reproducible."""

    n: int = Field(8, ge=1, description="number of samples")
    seed: int = Field(0, ge=0, description="the same seed gives the same samples")


class InterpolateBody(BaseModel):
    """Two end points — codes, or indices of test samples — and the number of steps."""

    codes: list[list[float]] | None = Field(None, description="two codes")
    indices: list[int] | None = Field(None, description="two test-sample indices")
    steps: int = Field(10, ge=2, le=64)
    label: int | None = Field(None, description="class label (supervised aae)")


class TraverseBody(BaseModel):
    """A base code (or test sample; default the zero code) and how far to move."""

    code: list[float] | None = None
    index: int | None = None
    steps: int = Field(9, ge=2, le=33)
    span: float = Field(2.5, gt=0, le=100)
    dims: int = Field(16, ge=1, le=64)
    label: int | None = None


def create_app(services: list[RunService], *, limits: Limits | None = None,
               api_key: str | None = None, batching: bool = True,
               batch_timeout_ms: float = 0.0, max_batch: int = 64,
               batch_pixels: int = BATCH_PIXELS) -> FastAPI:
    """The ASGI application serving ``services`` (names must be unique)."""
    limits = limits or Limits()
    by_name = {s.name: s for s in services}
    if len(by_name) != len(services):
        raise ValueError("run names must be unique")
    executor = ThreadPoolExecutor(1, thread_name_prefix="aekit-model")
    app = FastAPI(title="aekit serve", version=__version__,
                  description="Trained aekit runs over HTTP: codes, reconstructions, "
                              "restoration, anomaly scores and samples.")
    app.state.limits = limits
    app.state.services = by_name

    def batcher(fn: Any, max_rows: Any = None) -> Batcher:
        return Batcher(fn, executor, max_batch=max_batch, timeout_s=batch_timeout_ms / 1000,
                       enabled=batching, max_rows=max_rows)

    def photos_per_call(shape: Any) -> int:
        # large photos gain nothing from sharing a call: their activations already fill
        # the caches (4 × 256² in one call ran 2× slower than one by one, measured)
        return batch_pixels // max(1, int(shape[-1]) * int(shape[-2]))

    batchers = {s.name: {"encode": batcher(s.encode), "decode": batcher(s.decode),
                         "decode_labels": batcher(s.decode), "reconstruct": batcher(s.reconstruct),
                         "restore": batcher(s.restore, photos_per_call), "score": batcher(s.score)}
                for s in services}
    app.state.batchers = batchers

    # the page's bulk work (encoding the test split, t-SNE, scoring the validation split
    # for the threshold) runs on a thread of its own: behind it on the model thread, a
    # drag's decodes waited a second (measured); inference in eval mode is thread-safe
    page_executor = ThreadPoolExecutor(1, thread_name_prefix="aekit-page")

    async def in_model_thread(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def in_page_thread(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(page_executor, fn, *args)

    # -- errors: one line in JSON, the server keeps serving ---------------------------
    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(AekitError)
    async def _aekit_error(request: Request, exc: AekitError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"internal error in aekit ({type(exc).__name__}); "
                                      f"this is a bug, the server log has the traceback"},
                            status_code=500)

    # -- the API key and the body limit, on every request (a plain ASGI middleware:
    # Starlette's BaseHTTPMiddleware cost milliseconds per request, measured)
    app.add_middleware(Guard, api_key=api_key, max_body_bytes=limits.max_body_bytes)

    # -- page and listing --------------------------------------------------------------
    static = resources.files("aekit.serve") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(static / "index.html"), media_type="text/html")

    @app.get("/runs", summary="The loaded runs and what each can do")
    async def list_runs() -> dict[str, Any]:
        return {"runs": [s.info() for s in services], "version": __version__}

    def service(name: str, op: str | None = None) -> RunService:
        svc = by_name.get(name)
        if svc is None:
            raise RequestError(404, f"no run named {name!r}; loaded: {', '.join(by_name)}")
        if op is not None and op not in svc.operations:
            raise RequestError(404, f"run {name} cannot {op} (its model: {svc.info()['model']}); "
                                    f"it offers {', '.join(svc.operations) or 'nothing'}")
        return svc

    @app.get("/stats", summary="Requests and model calls per run and operation (batching)")
    async def stats() -> dict[str, Any]:
        return {"batching": batching, "runs": {
            name: {op: {"requests": b.requests, "model_calls": b.calls}
                   for op, b in ops.items() if b.requests}
            for name, ops in batchers.items()}}

    @app.get("/runs/{run}", summary="One run: capabilities, operations, shapes")
    async def run_info(run: str) -> dict[str, Any]:
        return service(run).info()

    # -- operations --------------------------------------------------------------------
    @app.post("/runs/{run}/encode", summary="Images → codes", openapi_extra=_IMAGE_BODY)
    async def encode(run: str, request: Request, resize: bool = True) -> dict[str, Any]:
        svc = service(run, "encode")
        x = await fixed_inputs(request, svc, limits, resize)
        codes = await batchers[run]["encode"](x)
        return {"codes": codes.tolist()}

    @app.post("/runs/{run}/decode", summary="Codes → images")
    async def decode(run: str, body: DecodeBody, format: str | None = None) -> Response:
        svc = service(run, "decode")
        z = codes_from_json(body.codes, svc.code_size or 0, limits)
        if svc.conditioned:
            y = labels_for(svc, body.labels, len(z))
            out = await batchers[run]["decode_labels"](z, y)
        else:
            out = await batchers[run]["decode"](z)
        return images_response(svc, out, format)

    @app.post("/runs/{run}/reconstruct", summary="Images → reconstructions",
              openapi_extra=_IMAGE_BODY)
    async def reconstruct(run: str, request: Request, resize: bool = True,
                          format: str | None = None) -> Response:
        svc = service(run, "reconstruct")
        if svc.conditioned:
            raise RequestError(422, f"run {run} reconstructs from class labels, which an "
                                    f"uploaded image does not have; use /style")
        x = await fixed_inputs(request, svc, limits, resize)
        return images_response(svc, await batchers[run]["reconstruct"](x), format)

    async def restoration(run: str, op: str, request: Request, simulate: bool, compare: bool,
                          format: str | None, resize: bool) -> Response:
        svc = service(run, op)
        channels = None if op == "upscale" else svc.input_shape[0]
        if not svc.any_size:  # a fixed-size denoiser: its own input size
            x = await fixed_inputs(request, svc, limits, resize)
            inputs, clean = list(x), None
        else:
            inputs, clean = await photo_inputs(request, svc, limits, channels)
        if simulate:  # the upload is the clean original: degrade it as the run was trained
            clean = inputs
            inputs = [await in_model_thread(lambda a: svc.corrupt(a[None])[0], im)
                      for im in clean]
        results = []
        for im in inputs:
            side = min(im.shape[1:])
            if svc.any_size and side < svc.min_side:
                raise RequestError(422, f"the image is {im.shape[2]}×{im.shape[1]} pixels; "
                                        f"this model needs at least {svc.min_side}×{svc.min_side}")
            results.append((await batchers[run]["restore"](im[None], key=im.shape))[0])
        if not compare:
            return images_response(svc, results, format)
        return JSONResponse(comparisons(svc, inputs, results, clean))

    @app.post("/runs/{run}/denoise", summary="Noisy image(s) → clean", openapi_extra=_IMAGE_BODY)
    async def denoise(run: str, request: Request, simulate: bool = False,
                      compare: bool = False, format: str | None = None,
                      resize: bool = True) -> Response:
        return await restoration(run, "denoise", request, simulate, compare, format, resize)

    @app.post("/runs/{run}/upscale", summary="Photo(s) → scale× larger",
              openapi_extra=_IMAGE_BODY)
    async def upscale(run: str, request: Request, simulate: bool = False,
                      compare: bool = False, format: str | None = None) -> Response:
        return await restoration(run, "upscale", request, simulate, compare, format, True)

    @app.post("/runs/{run}/score", summary="Images → anomaly scores and verdicts",
              openapi_extra=_IMAGE_BODY)
    async def score(run: str, request: Request, resize: bool = True) -> dict[str, Any]:
        svc = service(run, "score")
        x = await fixed_inputs(request, svc, limits, resize)
        scores = await batchers[run]["score"](x)
        out: dict[str, Any] = {"scores": scores.tolist(), "quantile": svc.quantile}
        try:
            thr = await in_page_thread(svc.threshold)
        except AekitError as exc:
            out.update(threshold=None, outlier=None, note=str(exc))
        else:
            out.update(threshold=thr, outlier=[bool(s > thr) for s in scores])
        return out

    @app.post("/runs/{run}/generate", summary="Samples from the prior")
    async def generate(run: str, body: GenerateBody, format: str | None = None) -> Response:
        svc = service(run, "generate")
        if body.n > limits.max_generate:
            raise RequestError(413, f"n={body.n}; at most {limits.max_generate} samples per "
                                    f"request")
        return images_response(svc, await in_model_thread(svc.generate, body.n, body.seed),
                               format)

    @app.post("/runs/{run}/interpolate", summary="Decode the line between two codes")
    async def interpolate(run: str, body: InterpolateBody, format: str | None = None
                          ) -> Response:
        svc = service(run, "interpolate")
        ends = await end_codes(svc, body.codes, body.indices, 2)
        t = np.linspace(0.0, 1.0, body.steps, dtype=np.float32)[:, None]
        z = (1 - t) * ends[0] + t * ends[1]  # (steps, d)
        y = labels_for(svc, None if body.label is None else [body.label] * len(z), len(z))
        out = await in_model_thread(svc.decode, z, y)
        return images_response(svc, out, format)

    @app.post("/runs/{run}/traverse", summary="Vary one code dimension at a time (a grid)")
    async def traverse(run: str, body: TraverseBody, format: str | None = None) -> Response:
        svc = service(run, "traverse")
        d = svc.code_size or 0
        if body.code is not None or body.index is not None:
            base = (await end_codes(svc, None if body.code is None else [body.code],
                                    None if body.index is None else [body.index], 1))[0]
        else:
            base = np.zeros(d, np.float32)
        dims = min(d, body.dims)
        values = np.linspace(-body.span, body.span, body.steps, dtype=np.float32)
        z = np.repeat(base[None], dims * body.steps, axis=0)
        for j in range(dims):
            z[j * body.steps:(j + 1) * body.steps, j] = base[j] + values
        y = labels_for(svc, None if body.label is None else [body.label] * len(z), len(z))
        out = await in_model_thread(svc.decode, z, y)
        return images_response(svc, out, format, rows=dims)

    @app.post("/runs/{run}/style", summary="An image's style in every class (supervised aae)",
              openapi_extra=_IMAGE_BODY)
    async def style(run: str, request: Request, format: str | None = None) -> Response:
        svc = service(run, "style")
        x = await fixed_inputs(request, svc, limits, True)
        if len(x) != 1:
            raise RequestError(422, "send one image; its style is drawn in every class")
        k = svc.n_classes
        z = await in_model_thread(svc.encode, x)
        out = await in_model_thread(svc.decode, np.repeat(z, k, axis=0),
                                    np.arange(k, dtype=np.int64))
        return images_response(svc, np.concatenate([x, out]), format)

    # -- the page's data -----------------------------------------------------------------
    @app.get("/runs/{run}/map", summary="The test split's codes in 2-D (for the page)")
    async def latent_map(run: str, method: str = "auto") -> dict[str, Any]:
        svc = service(run, "encode")
        page = await in_page_thread(svc.page_data)
        pts = await in_page_thread(svc.latent_map, method)
        codes = page.codes
        assert codes is not None
        lo, hi = np.percentile(codes, 1, axis=0), np.percentile(codes, 99, axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        return {"method": "codes" if method == "auto" and codes.shape[1] == 2 else
                ("pca" if method == "auto" else method),
                "points": np.round(pts, 4).tolist(),
                "labels": None if page.y is None else page.y.astype(int).tolist(),
                "classes": page.classes, "code_size": int(codes.shape[1]),
                "code_min": (lo - pad).tolist(), "code_max": (hi + pad).tolist(),
                "code_median": np.median(codes, axis=0).tolist()}

    @app.get("/runs/{run}/samples/{index}.png", summary="One test sample as PNG",
             response_class=Response)
    async def sample_png(run: str, index: int) -> Response:
        svc = service(run)
        page = await in_page_thread(svc.page_data)
        if not 0 <= index < len(page.x):
            raise RequestError(404, f"test sample {index} is out of range 0…{len(page.x) - 1}")
        return Response(png_bytes(page.x[index]), media_type="image/png",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/runs/{run}/samples/{index}", summary="One test sample: code, input, output")
    async def sample(run: str, index: int) -> dict[str, Any]:
        svc = service(run)
        page = await in_page_thread(svc.page_data)
        if not 0 <= index < len(page.x):
            raise RequestError(404, f"test sample {index} is out of range 0…{len(page.x) - 1}")
        x = page.x[index:index + 1]
        y = None if page.y is None else page.y[index:index + 1]
        out: dict[str, Any] = {"index": index, "input": data_url(x[0]),
                               "label": None if y is None else int(y[0])}
        if page.codes is not None:
            out["code"] = page.codes[index].tolist()
            rec = await in_model_thread(svc.reconstruct, x, y)
            out["reconstruction"] = data_url(np.clip(rec[0], 0, 1))
        return out

    @app.get("/runs/{run}/anomalies", summary="Highest-scoring test samples and the threshold")
    async def anomalies(run: str) -> dict[str, Any]:
        svc = service(run, "score")
        page = await in_page_thread(svc.page_data)
        scores = await in_page_thread(svc.test_scores)
        thr = await in_page_thread(svc.threshold)
        counts, edges = np.histogram(scores, bins=40)
        top = np.argsort(-scores)[:TOP_ANOMALIES]
        return {"threshold": thr, "quantile": svc.quantile, "n": int(len(scores)),
                "above": int((scores > thr).sum()),
                "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
                "top": [{"index": int(i), "score": float(scores[i]),
                         "label": None if page.y is None else int(page.y[i])} for i in top]}

    async def end_codes(svc: RunService, codes: list[list[float]] | None,
                        indices: list[int] | None, n: int) -> np.ndarray:
        if (codes is None) == (indices is None):
            raise RequestError(422, f"give either {n} code(s) or {n} test-sample index(es)")
        if codes is not None:
            if len(codes) != n:
                raise RequestError(422, f"give exactly {n} code(s); got {len(codes)}")
            return codes_from_json(codes, svc.code_size or 0, limits)
        assert indices is not None
        if len(indices) != n:
            raise RequestError(422, f"give exactly {n} test-sample index(es); got {len(indices)}")
        page = await in_page_thread(svc.page_data)
        if page.codes is None:
            raise RequestError(422, f"run {svc.name} has no codes of its test samples")
        bad = [i for i in indices if not 0 <= i < len(page.codes)]
        if bad:
            raise RequestError(404, f"test sample {bad[0]} is out of range 0…{len(page.codes) - 1}")
        return page.codes[indices]

    return app


# -- helpers ---------------------------------------------------------------------------
class Guard:
    """ASGI middleware: the API key (when set) and the body-size limit, every request.

    The body limit is checked on ``Content-Length`` and again on the bytes that arrive
    (a chunked body has no length), so an endpoint never reads more than the limit.
    """

    def __init__(self, app: Any, *, api_key: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.api_key = api_key
        self.max_body = max_body_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self.refuse(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise RequestError(413, f"the request body is over {self.max_body:,} "
                                            f"bytes (serve --max-body-mb)")
            return message

        await self.app(scope, counted, send)

    def refuse(self, request: Request) -> Response | None:
        """The response that refuses ``request`` before any work, or None."""
        key = self.api_key
        if key is not None:
            query_key = request.query_params.get("key")
            if query_key is not None and request.url.path == "/" and _same(query_key, key):
                resp = RedirectResponse("/", status_code=303)  # the page's key, as a cookie
                resp.set_cookie(COOKIE, key, httponly=True, samesite="strict")
                return resp
            given = (request.headers.get("x-api-key")
                     or _bearer(request.headers.get("authorization"))
                     or request.cookies.get(COOKIE))
            if given is None or not _same(given, key):
                return JSONResponse({"error": "this server needs its API key: send the header "
                                              "X-API-Key (or open /?key=KEY in a browser)"},
                                    status_code=401)
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return JSONResponse({"error": "Content-Length is not a number"},
                                    status_code=400)
            if int(length) > self.max_body:
                return JSONResponse({"error": f"the request body is {int(length):,} bytes; "
                                              f"this server takes at most {self.max_body:,} "
                                              f"(serve --max-body-mb)"}, status_code=413)
        return None


def content_type(request: Request) -> str:
    """The request's media type, lower case, without parameters (``; boundary=…``)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


def _same(given: str, key: str) -> bool:
    return hmac.compare_digest(given.encode(), key.encode())


def labels_for(svc: RunService, labels: list[int] | None, n: int) -> np.ndarray | None:
    """Labels (n,) for a conditioned model (checked against its classes), else None."""
    if not svc.conditioned:
        if labels is not None and any(v is not None for v in labels):
            raise RequestError(422, f"run {svc.name} is not conditioned on labels; drop them")
        return None
    if labels is None:
        raise RequestError(422, f"run {svc.name} decodes a code with a class label: give "
                                f"labels (0…{svc.n_classes - 1}), one per code")
    if len(labels) != n:
        raise RequestError(422, f"{len(labels)} labels for {n} codes; give one per code")
    if any(not 0 <= v < svc.n_classes for v in labels):
        raise RequestError(422, f"labels must lie in 0…{svc.n_classes - 1}")
    return np.asarray(labels, dtype=np.int64)


async def _uploads(request: Request, limits: Limits) -> tuple[list[tuple[str, bytes]],
                                                                dict[str, bytes]]:
    """Image files of a raw or multipart body, plus named extra files (``clean``)."""
    ctype = content_type(request)
    if ctype in IMAGE_TYPES:
        return [("the uploaded image", await request.body())], {}
    if ctype == "multipart/form-data":
        form = await request.form(max_files=limits.max_images + 2,
                                  max_fields=limits.max_images + 2)
        files, extra = [], {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                continue
            data = await value.read()
            if key == "image":
                files.append((value.filename or "image", data))
            elif key == "clean":
                extra["clean"] = data
        if not files and not extra:
            raise RequestError(422, 'the form has no file in the field "image"')
        return files, extra
    raise RequestError(415, f"content type {ctype or 'missing'!r} is not accepted here; send "
                            f"image/png or image/jpeg, multipart/form-data with field "
                            f"\"image\", or application/json with \"images\"")


async def fixed_inputs(request: Request, svc: RunService, limits: Limits, resize: bool
                       ) -> np.ndarray:
    """The request's samples as (n, *input_shape) float32, resized when ``resize``."""
    ctype = content_type(request)
    if ctype == "application/json":
        return np.stack(images_from_json(parse_json(await request.body()), svc.input_shape,
                                         limits))
    if not svc.is_image:
        raise RequestError(415, f"run {svc.name} models vectors of shape {svc.input_shape}; "
                                f"send application/json with \"images\" arrays")
    files, _ = await _uploads(request, limits)
    check_count(len(files), limits)
    c, h, w = svc.input_shape
    out = []
    for name, data in files:
        img = decode_upload(data, name, limits, channels=c, size=(h, w) if resize else None)
        if img.shape != (c, h, w):
            raise RequestError(422, f"{name} is {img.shape[2]}×{img.shape[1]}; this model takes "
                                    f"{w}×{h} (or pass resize=true)")
        out.append(img)
    return np.stack(out)


async def photo_inputs(request: Request, svc: RunService, limits: Limits,
                       channels: int | None) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """Whole photos (c, h, w) of any size, and the clean original when one was sent."""
    ctype = content_type(request)
    if ctype == "application/json":
        imgs = images_from_json(parse_json(await request.body()), svc.input_shape, limits,
                                any_size=True)
        return imgs, None
    files, extra = await _uploads(request, limits)
    check_count(len(files), limits)
    imgs = [decode_upload(data, name, limits, channels=channels) for name, data in files]
    clean = None
    if "clean" in extra:
        if len(imgs) != 1:
            raise RequestError(422, "a clean original goes with exactly one image")
        clean = [decode_upload(extra["clean"], "the clean original", limits,
                               channels=channels)]
    return imgs, clean


def images_response(svc: RunService, images: np.ndarray | list[np.ndarray],
                    fmt: str | None, rows: int = 1) -> Response:
    """Images out: one PNG (several: a grid of ``rows`` rows), data URLs, or arrays."""
    fmt = fmt or ("png" if svc.is_image else "array")
    if fmt not in FORMATS:
        raise RequestError(422, f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "array":
        return JSONResponse({"images": [np.asarray(im).tolist() for im in images]})
    if not svc.is_image:
        raise RequestError(422, f"run {svc.name} outputs vectors; ask for format=array")
    if fmt == "json":
        return JSONResponse({"images": [data_url(np.clip(im, 0, 1)) for im in images]})
    if len(images) == 1:
        return Response(png_bytes(images[0]), media_type="image/png")
    from aekit.report.figures import mosaic

    shapes = {np.asarray(im).shape for im in images}
    if len(shapes) != 1:
        raise RequestError(422, "the images differ in size; ask for format=json")
    cols = int(np.ceil(len(images) / rows))
    stack = np.asarray(images, dtype=np.float32)
    if rows * cols > len(stack):
        stack = np.concatenate([stack, np.ones((rows * cols - len(stack), *stack.shape[1:]),
                                               np.float32)])
    return Response(png_bytes(mosaic(np.clip(stack, 0, 1), rows, cols)), media_type="image/png")


def comparisons(svc: RunService, inputs: list[np.ndarray], results: list[np.ndarray],
                clean: list[np.ndarray] | None) -> dict[str, Any]:
    """The playground's answer: input, result, baseline (bicubic or the noisy input) as
    data URLs, and PSNR against the clean original when one is known."""
    from aekit.data.images import convert_channels
    from aekit.evaluate.metrics import per_image_mse, psnr_from_mse

    items = []
    for i, (inp, res) in enumerate(zip(inputs, results, strict=True)):
        base = svc.baseline(inp[None])[0]
        if base.shape[0] != res.shape[0]:  # a gray photo given to a colour model
            base = convert_channels(base[None], res.shape[0])[0]
        item: dict[str, Any] = {"input": data_url(inp), "result": data_url(res),
                                "baseline": data_url(base),
                                "baseline_name": "bicubic" if svc.model.scale > 1 else "input",
                                "size": [int(res.shape[2]), int(res.shape[1])]}
        if clean is not None:
            ref = clean[i]
            if ref.shape[0] != res.shape[0]:  # e.g. a gray original of a colour result
                ref = convert_channels(ref[None], res.shape[0])[0]
            h, w = min(ref.shape[1], res.shape[1]), min(ref.shape[2], res.shape[2])
            if abs(ref.shape[1] - res.shape[1]) > svc.model.scale or \
                    abs(ref.shape[2] - res.shape[2]) > svc.model.scale:
                raise RequestError(422, f"the clean original is {ref.shape[2]}×{ref.shape[1]} "
                                        f"but the result is {res.shape[2]}×{res.shape[1]}; "
                                        f"send the original of this image")
            crop = (slice(None), slice(0, h), slice(0, w))
            target = ref[crop][None]
            item["psnr"] = {
                "result": float(psnr_from_mse(per_image_mse(res[crop][None], target))[0]),
                "baseline": float(psnr_from_mse(per_image_mse(
                    np.clip(base[crop], 0, 1)[None], target))[0])}
        items.append(item)
    return {"items": items}


__all__ = ["DecodeBody", "GenerateBody", "InterpolateBody", "TraverseBody", "create_app"]
