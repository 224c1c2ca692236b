"""Model files: what is inside a ``.keras`` / ``.h5`` file, and loading an uploaded one safely.

A ``.keras`` file is a zip of ``metadata.json``, ``config.json`` (the architecture
and compile settings) and ``model.weights.h5`` (the variables, in HDF5). The legacy
``.h5`` format is one HDF5 file whose attributes hold the config as JSON text.

An upload is checked before Keras or h5py sees it, from the zip directory and
``config.json`` alone: entry names and links, sizes and packing ratio, JSON nesting
depth, the number of layers, no Lambda or non-Keras class however it is spelled,
and the parameters and tensor sizes the declared shapes would build. Then it is
written to a private temporary folder (removed right after) and loaded by
``lib.lessons.saving.models`` in a separate process with a time and memory limit.
Refusals raise :class:`Refused` with a machine-readable ``code`` the page translates;
a session keeps only ``Refused.plain()``. No Streamlit here.
"""

from __future__ import annotations

import io
import json
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from lib.lessons.saving.shapes import estimate, walk

MAX_UPLOAD_MB = 8  # the server takes 20 MB (.streamlit/config.toml); a teaching model needs far less
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # a zip can claim to expand to far more than it weighs
MAX_ENTRIES = 64
MAX_CONFIG_BYTES = 2 * 1024 * 1024
# Building a layer allocates its weights before any are read, so a config can ask for
# gigabytes in a small file: refuse configs that declare more than this many values.
MAX_DECLARED_PARAMS = 20_000_000
MAX_TENSOR_VALUES = 1_000_000  # numbers one example may occupy in any layer's output (predictions run 64 at a time)
# Keras builds a model's layers in time that grows faster than their number (100 Dense layers: ~5 s,
# 300: ~26 s, 2,505: still running after 600 s), so the count is bounded before anything is built.
MAX_LAYERS = 100
MAX_OBJECTS = 20 * MAX_LAYERS  # everything with a class_name: layers, initializers, regularizers, ...
MAX_DEPTH = 64  # nesting of [ and { in config.json; Keras' own configs stay under 20
MAX_RATIO = 200  # unpacked / packed size of one entry above 1 MB; Keras stores weights uncompressed
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# Layers that run code or read paths outside the file (safe_mode covers only Python lambdas).
FORBIDDEN_CLASSES = ("Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer")
REFUSALS = ("empty", "too_big", "legacy_h5", "not_zip", "unsafe_path", "symlink", "zip_bomb", "unzipped_too_big",
            "no_config", "bad_config", "too_deep", "too_many_layers", "lambda", "forbidden", "custom",
            "too_many_params", "too_wide", "load_failed", "timeout", "memory", "crashed")
TEMP_PREFIX = "saving-"


class Refused(ValueError):
    """A file the page will not load; ``code`` picks the message, ``values`` fill it."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(f"{code}: {values}" if values else code)
        self.code = code
        self.values = values

    def plain(self) -> Refusal:
        """What a session keeps of a refusal: its code and texts (no exception, traceback or model)."""
        return Refusal(self.code, tuple((str(k), short(v, 300)) for k, v in self.values.items()))


@dataclass(frozen=True)
class Refusal:
    """A refusal as plain data: ``code`` picks the message, ``values`` (name, text) fill it."""

    code: str
    values: tuple[tuple[str, str], ...] = ()


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


def json_depth(raw: bytes) -> int:
    """How deeply ``[`` and ``{`` nest in JSON text, counted without parsing (strings left out)."""
    text = re.sub(rb'"(?:[^"\\]|\\.)*"', b'""', raw, flags=re.DOTALL)
    codes = np.frombuffer(text, np.uint8)
    steps = (np.isin(codes, (91, 123)).astype(np.int64) - np.isin(codes, (93, 125)))  # [ { up, ] } down
    return int(np.cumsum(steps).max(initial=0))


def parse_config(raw: bytes) -> Any:
    """``config.json`` parsed, or Refused: too deep for any recursive reader, or not JSON."""
    depth = json_depth(raw)
    if depth > MAX_DEPTH:
        raise Refused("too_deep", depth=f"{depth:,}", limit=MAX_DEPTH)
    try:
        return json.loads(raw)
    except RecursionError:  # the count above should prevent it; a parser that still recurses too far is refused
        raise Refused("too_deep", depth="?", limit=MAX_DEPTH) from None
    except (ValueError, UnicodeDecodeError):  # not JSON, or a number with more digits than Python reads
        raise Refused("bad_config") from None


def _unsafe_name(name: str) -> bool:
    """A zip entry name that could point outside the folder it is unpacked into."""
    parts = name.replace("\\", "/").split("/")
    return (name.startswith(("/", "\\")) or ".." in parts or "\0" in name
            or bool(re.match(r"^[A-Za-z]:", name)))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_zip(infos: list[zipfile.ZipInfo]) -> None:
    """Entry names, links and sizes of a zip, from its directory alone (nothing is unpacked)."""
    names = [i.filename for i in infos]
    for name in names:
        if _unsafe_name(name):
            raise Refused("unsafe_path", name=short(name, 80))
    if len(set(names)) != len(names):
        raise Refused("unsafe_path", name=short(next(n for n in names if names.count(n) > 1), 80))
    for info in infos:
        if _is_symlink(info):
            raise Refused("symlink", name=short(info.filename, 80))
    for info in infos:
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise Refused("zip_bomb", name=short(info.filename, 80), size=f"{info.file_size / 2**20:,.0f}",
                          packed=f"{info.compress_size / 1024:,.0f}",
                          ratio=f"{info.file_size // max(1, info.compress_size):,}")
    unzipped = sum(i.file_size for i in infos)
    if len(infos) > MAX_ENTRIES or unzipped > MAX_UNZIPPED_BYTES:
        raise Refused("unzipped_too_big", size=f"{unzipped / 2**20:.0f}", limit=MAX_UNZIPPED_BYTES // 2**20)


def declared_params(config: dict) -> int:
    """An upper estimate of the values a config's layers allocate when built (see ``estimate``)."""
    return estimate(config)[0]


def count_layers(config: Any) -> tuple[int, int]:
    """(layers in every model of the config, nested ones included; objects with a class_name)."""
    layers = objects = 0
    for item in walk(config):
        objects += "class_name" in item
        inner = item.get("config")
        if "class_name" in item and isinstance(inner, dict) and isinstance(inner.get("layers"), list):
            layers += len(inner["layers"])
    return layers, objects


def _name_parts(item: dict) -> list[str]:
    """class_name, registered_name and module cut at dots and ``>``: ``keras`` + ``layers.Lambda`` is Lambda."""
    parts: list[str] = []
    for key in ("class_name", "registered_name", "module"):
        if isinstance(item.get(key), str):
            parts += [p.lower() for p in re.split(r"[.>/:\s]+", item[key]) if p]
    return parts


def scan_config(config: Any) -> None:
    """Refuse what ``safe_mode`` alone would let through or what a server cannot afford."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise Refused("bad_config")
    layers, objects = count_layers(config)
    if layers > MAX_LAYERS or objects > MAX_OBJECTS:
        raise Refused("too_many_layers", layers=f"{layers:,}", limit=MAX_LAYERS)
    forbidden = {c.lower() for c in FORBIDDEN_CLASSES}
    for item in walk(config):
        if "class_name" not in item:
            continue
        name, parts, cfg = item.get("class_name"), _name_parts(item), item.get("config")
        if {"lambda", "__lambda__", "lambda_layer"} & set(parts) or (isinstance(cfg, dict) and "function" in cfg):
            raise Refused("lambda", layer=short((cfg if isinstance(cfg, dict) else {}).get("name", name), 60))
        if forbidden & set(parts):
            raise Refused("forbidden", cls=short(name, 60))
        module = item.get("module")
        if isinstance(module, str) and module != "keras" and not module.startswith("keras."):
            raise Refused("custom", cls=short(name, 60), module=short(module, 60))
        registered = item.get("registered_name")
        if isinstance(registered, str) and registered != name:
            raise Refused("custom", cls=short(name, 60), module=short(registered, 60))
    params, widest = estimate(config)
    if params > MAX_DECLARED_PARAMS:
        raise Refused("too_many_params", params=f"{params:,}", limit=f"{MAX_DECLARED_PARAMS:,}")
    if widest > MAX_TENSOR_VALUES:
        raise Refused("too_wide", values=f"{widest:,}", limit=f"{MAX_TENSOR_VALUES:,}")


def check_upload(data: bytes) -> dict:
    """Everything that can be checked without Keras or h5py; returns the parsed config or raises Refused."""
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
            check_zip(infos)
            names = {i.filename for i in infos}
            if "config.json" not in names:
                raise Refused("no_config", names=", ".join(sorted(names))[:200] or "—")
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise Refused("bad_config")
            raw = archive.read("config.json")  # zipfile stops at the declared size, which was checked
    except Refused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise Refused("bad_config") from None
    config = parse_config(raw)
    scan_config(config)
    return config


def session_tag(session: str) -> str:
    """A temporary folder's tag: letters and digits only, so a session id cannot steer the path."""
    return re.sub(r"[^A-Za-z0-9]", "", session)[:16]


@contextmanager
def private_folder(session: str = "") -> Iterator[str]:
    """A folder only this process user can read (mkdtemp makes it 0700), removed on exit."""
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{session_tag(session)}-") as folder:
        yield folder
