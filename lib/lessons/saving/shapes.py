"""What a ``config.json`` would build, read from its declared shapes without building anything.

Keras allocates a layer's weights when it builds it, from the shapes it is given, not
from ``build_config`` (which a file can leave out or fake). So the walk below carries the
widest shape each layer can receive, from the first ``InputLayer``'s ``batch_shape`` (or
``batch_input_shape``, ``input_shape``, ``input_dim``) through every layer, nested models
and Functional inbound nodes included, and adds up the values the layers would allocate.
It errs on the large side: unknown sizes count as 1, convolutions keep their spatial size.
No Keras, no Streamlit here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[dict]:
    """Every dict inside a JSON value, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _positive(value: Any) -> int:
    return value if type(value) is int and value > 0 else 1


def _dims(shape: Any, batch: bool = True) -> list[int] | None:
    """A declared shape without its batch axis (unknown sizes count as 1); the widest of several; None if none."""
    if not isinstance(shape, list) or not shape:
        return None
    if all(isinstance(s, list) for s in shape):
        found = [d for d in (_dims(s, batch) for s in shape) if d is not None]
        return max(found, key=math.prod, default=None)
    return [_positive(s) for s in (shape[1:] if batch else shape)]


def _widest(*shapes: list[int] | None) -> list[int] | None:
    found = [s for s in shapes if s is not None]
    return max(found, key=lambda s: (math.prod(s), len(s)), default=None)


def _declared_input(item: dict) -> list[int] | None:
    """What a layer or model says it takes: batch_shape, batch_input_shape, input_shape, input_dim, build_config."""
    cfg = item.get("config") if isinstance(item.get("config"), dict) else {}
    own = [_dims(cfg.get("batch_shape")), _dims(cfg.get("batch_input_shape")), _dims(cfg.get("input_shape"), False),
           [_positive(cfg["input_dim"])] if type(cfg.get("input_dim")) is int and "output_dim" not in cfg else None]
    return _widest(*own, _dims((item.get("build_config") or {}).get("input_shape")))


def _kernel(value: Any) -> int:
    return _prod(value) if isinstance(value, list) else _positive(value)


class _Estimate:
    """Walks a config as Keras would build it, carrying the widest shape each layer can receive."""

    def __init__(self) -> None:
        self.params = 0
        self.widest = 0

    def model(self, item: dict, shape: list[int] | None) -> list[int] | None:
        cfg = item.get("config") or {}
        layers = [layer for layer in cfg.get("layers", []) if isinstance(layer, dict)]
        shape = _widest(shape, _declared_input(item))
        if item.get("class_name") == "Sequential":
            for layer in layers:
                shape = self.layer(layer, shape)
            return shape
        outputs: dict[str, list[int] | None] = {}
        for layer in layers:  # Functional: a layer receives what its inbound layers give
            inbound = [outputs.get(h.get("keras_history", [None])[0]) if isinstance(h.get("keras_history"), list)
                       else None for h in walk(layer.get("inbound_nodes", []))]
            inbound += [outputs.get(n[0]) for n in _walk_lists(layer.get("inbound_nodes", []))]
            declared = [_dims((h.get("config") or {}).get("shape")) for h in walk(layer.get("inbound_nodes", []))
                        if h.get("class_name") == "__keras_tensor__"]
            given = [s for s in inbound + declared if s is not None]
            start = _widest(*given) if given else (shape if layer.get("class_name") == "InputLayer" else None)
            if layer.get("class_name") == "Concatenate" and len(given) > 1:
                start = [*_widest(*given)[:-1], sum(s[-1] if s else 1 for s in given)]
            name = (layer.get("config") or {}).get("name", layer.get("name"))
            outputs[str(name)] = self.layer(layer, start)
        return _widest(*outputs.values())

    def layer(self, item: dict, shape: list[int] | None) -> list[int] | None:
        cls, cfg = str(item.get("class_name", "")), item.get("config")
        if not isinstance(cfg, dict):
            return shape
        if isinstance(cfg.get("layers"), list):
            out = self.model(item, shape)
        else:
            out = self._one(cls, cfg, _widest(shape, _declared_input(item)) or [1], item)
        self.widest = max(self.widest, math.prod(out) if out else 0)
        return out

    def _one(self, cls: str, cfg: dict, shape: list[int], item: dict) -> list[int]:
        last, size = shape[-1], math.prod(shape)
        if isinstance(cfg.get("layer"), dict):  # Bidirectional, TimeDistributed: the wrapped layer counts
            out = self.layer(cfg["layer"], shape) or shape
            if cls == "Bidirectional":
                self.layer(cfg["layer"], shape)
                return [*out[:-1], 2 * out[-1]]
            return out
        units = cfg.get("units")
        if type(units) is int:
            gates = 4 if "LSTM" in cls else 3 if "GRU" in cls else 1
            recurrent = units if re.search(r"LSTM|GRU|RNN", cls) else 0
            self.params += gates * _positive(units) * (last + recurrent + 1)
            if recurrent and not cfg.get("return_sequences"):
                return [_positive(units)]
            return [*shape[:-1], _positive(units)]
        if type(cfg.get("filters")) is int or "Depthwise" in cls:
            filters = _positive(cfg.get("filters")) if "Depthwise" not in cls else \
                last * _positive(cfg.get("depth_multiplier"))
            kernel = _kernel(cfg.get("kernel_size"))
            self.params += filters * (last * kernel + 1) + last * kernel
            grow = _kernel(cfg.get("strides")) if "Transpose" in cls else 1
            return [*(d * grow for d in shape[:-1]), filters] if len(shape) > 1 else [filters]
        if type(cfg.get("input_dim")) is int and type(cfg.get("output_dim")) is int:
            self.params += _positive(cfg["input_dim"]) * _positive(cfg["output_dim"])
            return [*shape, _positive(cfg["output_dim"])]
        if isinstance(cfg.get("output_shape"), list) and "Dense" in cls:  # EinsumDense
            out = [_positive(s) for s in cfg["output_shape"]]
            self.params += math.prod(out) * last
            return out
        if cls == "Flatten":
            return [size]
        if cls == "Reshape" and isinstance(cfg.get("target_shape"), list):
            target = [s if type(s) is int and s > 0 else 0 for s in cfg["target_shape"]]
            return [s or max(1, size // max(1, math.prod(t for t in target if t))) for s in target] or [1]
        if cls == "RepeatVector":
            return [_positive(cfg.get("n")), *shape]
        if cls.startswith("UpSampling"):
            factor = _kernel(cfg.get("size"))
            return [*(d * factor for d in shape[:-1]), last]
        if cls.startswith("ZeroPadding"):
            pad = max((p for p in _walk_ints(cfg.get("padding"))), default=1)
            return [*(d + 2 * pad for d in shape[:-1]), last]
        if cls.startswith("Global"):
            return [last]
        if "Normalization" in cls or cls == "PReLU":
            self.params += 4 * last if cls != "PReLU" else size
        elif item.get("build_config"):
            self.params += 4 * last
        return shape


def _walk_lists(node: Any) -> Iterator[list]:
    """Keras 2 node references ``[layer_name, node_index, tensor_index, {...}]`` inside ``inbound_nodes``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and type(item[1]) is int:
                yield item
            else:
                stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _walk_ints(node: Any) -> Iterator[int]:
    if type(node) is int:
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _walk_ints(item)


def _prod(values: Any) -> int:
    if isinstance(values, list):
        return math.prod(_positive(v) for v in values)
    return _positive(values)


def estimate(config: dict) -> tuple[int, int]:
    """(values the layers allocate when built, widest tensor per example), from the declared shapes."""
    walker = _Estimate()
    walker.layer(config, None)
    return walker.params, walker.widest
