"""Model files: what is inside a ``.keras`` / ``.h5`` file, and loading an uploaded one safely.

A ``.keras`` file is a zip of ``metadata.json``, ``config.json`` (the architecture
and compile settings) and ``model.weights.h5`` (the variables, in HDF5). The legacy
``.h5`` format is one HDF5 file whose attributes hold the config as JSON text.

An upload is checked before Keras sees it (size, zip, ``config.json``, no Lambda
or non-Keras class, a declared size a server can afford), then written to a
private temporary folder that is removed as soon as ``load_model(..., safe_mode=True)``
has read it. Refusals raise :class:`Refused` with a machine-readable ``code`` the
page translates. No Streamlit here.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import h5py
import keras
import numpy as np

MAX_UPLOAD_MB = 8  # the server takes 20 MB (.streamlit/config.toml); a teaching model needs far less
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # a zip can claim to expand to far more than it weighs
MAX_ENTRIES = 64
MAX_CONFIG_BYTES = 2 * 1024 * 1024
# Building a layer allocates its weights before any are read, so a config can ask for
# gigabytes in a small file: refuse configs that declare more than this many values.
MAX_DECLARED_PARAMS = 20_000_000
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# Layers that run code or read paths outside the file (safe_mode covers only Python lambdas).
FORBIDDEN_CLASSES = ("Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer")
REFUSALS = ("empty", "too_big", "legacy_h5", "not_zip", "unzipped_too_big", "no_config", "bad_config", "lambda",
            "forbidden", "custom", "too_many_params", "load_failed")
TEMP_PREFIX = "saving-"


class Refused(ValueError):
    """A file the page will not load; ``code`` picks the message, ``values`` fill it."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(f"{code}: {values}" if values else code)
        self.code = code
        self.values = values


# =========================================================================== what is inside a file


@dataclass(frozen=True)
class ZipEntry:
    name: str
    size: int  # bytes once unpacked
    packed: int  # bytes inside the zip
    stored: bool  # True: kept as is (Keras does not compress)


@dataclass(frozen=True)
class H5Row:
    """One group or dataset of an HDF5 file, as ``h5py``'s ``visititems`` walks it."""

    path: str
    shape: tuple[int, ...] | None  # None for a group
    dtype: str
    attrs: tuple[tuple[str, str], ...] = ()

    @property
    def values(self) -> int:
        return int(np.prod(self.shape)) if self.shape is not None else 0


@dataclass(frozen=True)
class KerasFile:
    """A ``.keras`` zip, read without Keras."""

    size: int
    entries: tuple[ZipEntry, ...]
    metadata: dict
    config: dict
    weights: tuple[H5Row, ...]

    @property
    def layer_classes(self) -> list[str]:
        return [layer.get("class_name", "?") for layer in self.config.get("config", {}).get("layers", [])
                if isinstance(layer, dict)]


def short(value: Any, limit: int = 120) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def h5_tree(data: bytes) -> tuple[tuple[H5Row, ...], tuple[tuple[str, str], ...]]:
    """Every group and dataset of an HDF5 file (paths in visiting order) and the file's own attributes."""
    rows: list[H5Row] = []

    def visit(name: str, obj: Any) -> None:
        attrs = tuple((k, short(v)) for k, v in obj.attrs.items())
        if isinstance(obj, h5py.Dataset):
            rows.append(H5Row(name, tuple(int(n) for n in obj.shape), str(obj.dtype), attrs))
        else:
            rows.append(H5Row(name, None, "", attrs))

    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(visit)
        top = tuple((k, short(v)) for k, v in f.attrs.items())
    return tuple(rows), top


def h5_values(rows: tuple[H5Row, ...], prefix: str = "") -> int:
    """Numbers stored in the datasets under ``prefix``."""
    return sum(r.values for r in rows if r.shape is not None and r.path.startswith(prefix))


def h5_data_bytes(rows: tuple[H5Row, ...], prefix: str = "") -> int:
    """Bytes of raw array data in the datasets under ``prefix`` (values × item size)."""
    return sum(r.values * np.dtype(r.dtype).itemsize for r in rows if r.shape is not None and r.path.startswith(prefix))


def h5_attr_bytes(data: bytes) -> int:
    """Bytes of text the file's top-level attributes hold (the legacy format's JSON config lives there)."""
    with h5py.File(io.BytesIO(data), "r") as f:
        return sum(len(v) if isinstance(v, (bytes, str)) else np.asarray(v).nbytes for v in f.attrs.values())


def read_keras_file(data: bytes) -> KerasFile:
    """The entries, metadata, config and weight tree of a ``.keras`` file (assumed checked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = tuple(ZipEntry(i.filename, i.file_size, i.compress_size, i.compress_type == zipfile.ZIP_STORED)
                        for i in archive.infolist())
        names = {e.name for e in entries}
        metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
        config = json.loads(archive.read("config.json"))
        weights = h5_tree(archive.read("model.weights.h5"))[0] if "model.weights.h5" in names else ()
    return KerasFile(len(data), entries, metadata if isinstance(metadata, dict) else {}, config, weights)


# =========================================================================== checks before Keras


def _walk(node: Any) -> Iterator[dict]:
    """Every dict inside a JSON value, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _last_dim(shape: Any) -> int:
    """The widest last dimension among (possibly nested) shape lists; unknown counts as 1."""
    if isinstance(shape, list) and shape and all(isinstance(s, list) for s in shape):
        return max((_last_dim(s) for s in shape), default=1)
    if isinstance(shape, list) and shape and isinstance(shape[-1], int):
        return max(1, shape[-1])
    return 1


def _prod(values: Any) -> int:
    if isinstance(values, list):
        return math.prod(v for v in values if isinstance(v, int) and v > 0)
    return values if isinstance(values, int) and values > 0 else 1


def declared_params(config: dict) -> int:
    """A rough upper estimate of the values a config's layers allocate when built.

    Dense-like: units × (inputs + 1); convolutions: filters × inputs × kernel;
    embeddings: input_dim × output_dim; anything else built: a few per input.
    Recurrent layers keep several gates, hence the factor 4.
    """
    total = 0
    for item in _walk(config):
        cfg = item.get("config")
        if "class_name" not in item or not isinstance(cfg, dict):
            continue
        last = _last_dim((item.get("build_config") or {}).get("input_shape"))
        gates = 4 if re.search(r"LSTM|GRU|RNN", str(item["class_name"])) else 1
        if isinstance(cfg.get("units"), int):
            total += gates * cfg["units"] * (last + cfg["units"] * (gates > 1) + 1)
        elif isinstance(cfg.get("filters"), int):
            total += cfg["filters"] * (last * _prod(cfg.get("kernel_size")) + 1)
        elif isinstance(cfg.get("input_dim"), int) and isinstance(cfg.get("output_dim"), int):
            total += cfg["input_dim"] * cfg["output_dim"]
        elif item.get("build_config"):
            total += 4 * last
    return total


def scan_config(config: Any) -> None:
    """Refuse what ``safe_mode`` alone would let through or what a server cannot afford."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise Refused("bad_config")
    for item in _walk(config):
        name = item.get("class_name")
        if name == "Lambda" or name == "__lambda__":
            raise Refused("lambda", layer=str((item.get("config") or {}).get("name", name))[:60])
        if name in FORBIDDEN_CLASSES:
            raise Refused("forbidden", cls=str(name))
        module = item.get("module")
        if isinstance(module, str) and module != "keras" and not module.startswith("keras."):
            raise Refused("custom", cls=str(name)[:60], module=module[:60])
        registered = item.get("registered_name")
        if isinstance(registered, str) and registered != name:
            raise Refused("custom", cls=str(name)[:60], module=registered[:60])
    params = declared_params(config)
    if params > MAX_DECLARED_PARAMS:
        raise Refused("too_many_params", params=f"{params:,}", limit=f"{MAX_DECLARED_PARAMS:,}")


def check_upload(data: bytes) -> KerasFile:
    """Everything that can be checked without Keras; returns the file's parts or raises Refused."""
    if not data:
        raise Refused("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refused("too_big", size=f"{len(data) / 2**20:.1f}", limit=MAX_UPLOAD_MB)
    if data.startswith(HDF5_MAGIC):
        raise Refused("legacy_h5")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused("not_zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unzipped = sum(i.file_size for i in infos)
            if len(infos) > MAX_ENTRIES or unzipped > MAX_UNZIPPED_BYTES:
                raise Refused("unzipped_too_big", size=f"{unzipped / 2**20:.0f}",
                              limit=MAX_UNZIPPED_BYTES // 2**20)
            names = {i.filename for i in infos}
            if "config.json" not in names:
                raise Refused("no_config", names=", ".join(sorted(names))[:200] or "—")
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise Refused("bad_config")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise Refused("bad_config") from exc
    scan_config(config)
    try:
        return read_keras_file(data)
    except Exception as exc:  # a broken metadata.json or weights file: Keras would fail too
        raise Refused("load_failed", message=short(exc, 300)) from exc


def session_tag(session: str) -> str:
    """A temporary folder's tag: letters and digits only, so a session id cannot steer the path."""
    return re.sub(r"[^A-Za-z0-9]", "", session)[:16]


@contextmanager
def private_folder(session: str = "") -> Iterator[str]:
    """A folder only this process user can read (mkdtemp makes it 0700), removed on exit."""
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{session_tag(session)}-") as folder:
        yield folder


def load_checked(data: bytes, session: str = "", compile: bool = False) -> tuple[keras.Model, KerasFile]:
    """``check_upload``, then ``keras.models.load_model(path, safe_mode=True)`` from a private folder.

    ``compile=False`` for uploads: a custom loss in the compile settings must not stop
    a learner from seeing the architecture and the predictions.
    """
    parts = check_upload(data)
    with private_folder(session) as folder:
        path = os.path.join(folder, "upload.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            model = keras.models.load_model(path, safe_mode=True, compile=compile)
        except Exception as exc:  # Keras' own refusal (safe_mode, unknown class, broken weights)
            if "Lambda" in str(exc) or "lambda" in str(exc):
                raise Refused("lambda", layer="?") from exc
            raise Refused("load_failed", message=short(exc, 300)) from exc
    if not isinstance(model, keras.Model):
        raise Refused("load_failed", message=type(model).__name__)
    return model, parts
